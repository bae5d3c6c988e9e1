"""Package hygiene: licence, changelog, type information, and answers for models that were never merged."""

import configparser
from pathlib import Path

import numpy as np
import pytest

import gensim_merge
from gensim_merge import MergeableKeyedVectors, NotMergedError

ROOT = Path(__file__).resolve().parents[1]


def _toy(words=("w0", "w1", "w2")):
    kv = MergeableKeyedVectors(2)
    kv.add_vectors(list(words), np.arange(2 * len(words), dtype=np.float32).reshape(-1, 2))
    return kv


@pytest.mark.parametrize("ask", [lambda kv: kv.provenance("w0"), lambda kv: kv.words_from("a")],
                         ids=["provenance", "words_from"])
def test_a_model_never_merged_says_so(ask):
    with pytest.raises(NotMergedError, match="never merged"):
        ask(_toy())


def test_unknown_word_is_still_gensims_key_error():
    with pytest.raises(KeyError):
        _toy().provenance("absent")


def test_merged_model_answers():
    merged = _toy(["a", "b"]).merge_with(_toy(["b", "c"]), names=["x", "y"], strategy="mean", align=False)
    assert merged.provenance("b") == ["x", "y"] and merged.provenance("c") == ["y"]


def test_licence_matches_the_declared_one():
    meta = configparser.ConfigParser()
    meta.read(ROOT / "setup.cfg")
    assert meta["metadata"]["license"] == "LGPL-2.1-or-later"
    text = (ROOT / "LICENSE").read_text(encoding="utf8")
    assert "GNU LESSER GENERAL PUBLIC LICENSE" in text and "Version 2.1, February 1999" in text


def test_changelog_names_the_current_version():
    assert f"## {gensim_merge.__version__}" in (ROOT / "CHANGELOG.md").read_text(encoding="utf8")


def test_typed_marker_ships_with_the_package():
    assert (Path(gensim_merge.__file__).parent / "py.typed").is_file()
    meta = configparser.ConfigParser()
    meta.read(ROOT / "setup.cfg")
    assert "py.typed" in meta["options.package_data"]["gensim_merge"]
