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


def test_every_error_is_also_a_builtin_and_none_is_raised_bare():
    """errors.py's promise: each class is a GensimMergeError and the matching builtin; the base is never raised."""
    import ast
    import inspect

    from gensim_merge import errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.GensimMergeError)
        if cls is not errors.GensimMergeError:
            assert issubclass(cls, (ValueError, TypeError, OSError)), name
    package = Path(gensim_merge.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                assert getattr(node.exc.func, "id", None) != "GensimMergeError", f"{path.name}:{node.lineno}"
    assert inspect.isclass(errors.GensimMergeError)
