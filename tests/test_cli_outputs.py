"""Nothing is lost and no work is wasted: outputs that are inputs, or that the saver cannot write, are refused first.

Every output flag of every command (-o, --save-alignment, --save-model, the files --png writes) is compared with
every input and the other outputs by the file it resolves to; an output name the saver cannot write the model
kind to is refused before any file is read (or, where only the loaded model tells its kind, before any work).
"""

import os

import numpy as np
import pytest
from gensim.models import FastText, Word2Vec

from gensim_merge._cli_steps import saver_refusal
from gensim_merge.errors import ModelFileError
from gensim_merge.io import load_vectors, save_vectors
from tests.conftest import make_kv


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Two small word2vec vector files, a full Word2Vec and a full FastText model, a corpus and a pair file."""
    d = tmp_path_factory.mktemp("cli_outputs")
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(80)]
    save_vectors(make_kv(words, 6, rng, counts=np.arange(800, 0, -10)), d / "a.safetensors")
    save_vectors(make_kv(words, 6, rng, counts=np.arange(800, 0, -10)), d / "b.txt")
    sentences = [[words[(i + k) % 40] for k in range(6)] for i in range(120)]
    Word2Vec(sentences, vector_size=6, min_count=1, workers=1, seed=1, epochs=1).save(str(d / "w2v.model"))
    FastText(sentences, vector_size=6, min_count=1, workers=1, seed=1, epochs=1, bucket=500).save(str(d / "ft.model"))
    (d / "corpus.txt").write_text("\n".join(" ".join(s) for s in sentences) + "\n", encoding="utf8")
    (d / "pairs.txt").write_text("w1 w1\nw2 w2\nw3 w3\n", encoding="utf8")
    return d


def _snapshot(d):
    return {name: (d / name).read_bytes() for name in sorted(os.listdir(d)) if (d / name).is_file()}


# ---------------------------------------------------------------------------------------------------------
# an output that is an input, or another output


@pytest.mark.parametrize("argv, flags", [
    (["continue", "{d}/w2v.model", "{d}/corpus.txt", "-o", "{d}/corpus.txt"], ("-o/--output", "CORPUS")),
    (["continue", "{d}/w2v.model", "{d}/corpus.txt", "-o", "{d}/c.txt", "--save-model", "{d}/w2v.model"],
     ("--save-model", "MODEL")),
    (["continue", "{d}/w2v.model", "{d}/corpus.txt", "-o", "{d}/c.model", "--save-model", "{d}/c.model"],
     ("--save-model", "-o/--output")),
    (["continue", "{d}/w2v.model", "{d}/corpus.txt", "-o", "{d}/c.txt", "--rehearsal", "{d}/c.txt"],
     ("-o/--output", "--rehearsal")),
    (["align", "{d}/a.safetensors", "{d}/b.txt", "-o", "{d}/b.txt"], ("-o/--output", "TARGET")),
    (["align", "{d}/a.safetensors", "{d}/b.txt", "-o", "{d}/x.kv", "--save-alignment", "{d}/x.kv"],
     ("--save-alignment", "-o/--output")),
    (["align", "{d}/a.safetensors", "{d}/b.txt", "-o", "{d}/x.kv", "--save-alignment", "{d}/pairs.txt",
      "--pairs", "{d}/pairs.txt"], ("--save-alignment", "--pairs")),
    (["merge", "{d}/a.safetensors", "{d}/b.txt", "-o", "{d}/a.safetensors"], ("-o/--output", "MODEL")),
    (["merge", "{d}/a.safetensors", "{d}/b.txt", "-o", "{d}/m.kv", "--counts", "-", "{d}/m.kv"],
     ("-o/--output", "--counts")),
    (["ensemble", "{d}/a.safetensors", "{d}/b.txt", "-o", "{d}/b.txt"], ("-o/--output", "MODEL")),
    (["convert", "{d}/b.txt", "{d}/b.txt"], ("OUTPUT", "INPUT")),
    (["report", "{d}/a.safetensors", "{d}/b.txt", "-o", "{d}/r.html", "--png", "{d}", "--pairs",
      "{d}/projection.png"], ("--png", "--pairs")),
])
def test_an_output_onto_an_input_or_another_output_is_refused_first(files, run_main, argv, flags):
    if "projection.png" in " ".join(argv):
        (files / "projection.png").write_bytes(b"an input that happens to have the name of a chart")
    before = _snapshot(files)
    code, out, err = run_main("--allow-pickle", *[a.format(d=files) for a in argv])
    assert code == 1 and out == ""
    line = err.strip().splitlines()[-1]
    assert "same file" in line and all(flag in line for flag in flags), err
    assert "loaded" not in err  # refused before any file was read
    assert _snapshot(files) == before  # nothing written, nothing replaced


def test_a_link_to_an_input_is_the_input(files, run_main, tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(files / "corpus.txt")
    code, _, err = run_main("--allow-pickle", "continue", files / "w2v.model", files / "corpus.txt", "-o", link)
    assert code == 1 and "same file" in err
    assert (files / "corpus.txt").read_text(encoding="utf8").startswith("w0 w1")


def test_distinct_outputs_still_work(files, run_main, tmp_path):
    code, _, err = run_main("align", files / "a.safetensors", files / "b.txt", "-o", tmp_path / "x.kv",
                            "--save-alignment", tmp_path / "x.npz", "--anchor-min-count", "0")
    assert code == 0, err
    assert (tmp_path / "x.kv").exists() and (tmp_path / "x.npz").exists()


# ---------------------------------------------------------------------------------------------------------
# an output format the saver cannot write


@pytest.mark.parametrize("argv", [
    ["convert", "{d}/b.txt", "{t}/out.npy"],
    ["align", "{d}/a.safetensors", "{d}/b.txt", "-o", "{t}/out.npy"],
    ["merge", "{d}/a.safetensors", "{d}/b.txt", "-o", "{t}/out.npy"],
    ["ensemble", "{d}/a.safetensors", "{d}/b.txt", "-o", "{t}/out.npy"],
    ["continue", "{d}/w2v.model", "{d}/corpus.txt", "-o", "{t}/out.npy"],
    ["continue", "{d}/ft.model", "{d}/corpus.txt", "-o", "{t}/out.npy"],
    ["align", "{d}/a.safetensors", "{d}/b.txt", "-o", "{t}/out.safetensors.gz"],
])
def test_an_output_name_no_saver_writes_is_refused_before_reading(files, run_main, tmp_path, argv):
    code, out, err = run_main("--allow-pickle", *[a.format(d=files, t=tmp_path) for a in argv])
    assert code == 1 and out == ""
    line = err.strip().splitlines()[-1]
    assert ("OUTPUT" in line or "-o/--output" in line) and "out." in line, err
    assert "loaded" not in err
    assert os.listdir(tmp_path) == []


def _fasttext_saver_refuses(files, tmp_path, name):
    """Whether the library's saver refuses to write the fastText model under `name` (asked directly)."""
    model = load_vectors(files / "ft.model", allow_pickle=True)
    try:
        save_vectors(model, tmp_path / name)
    except ModelFileError:
        return True
    return False


@pytest.mark.parametrize("name", ["out.txt", "out.bin", "out.safetensors", "out.kv", "out.model", "out.vec.gz"])
def test_fasttext_outputs_follow_the_saver(files, run_main, tmp_path, name):
    """The command refuses exactly the names the saver refuses for a fastText model (whatever it supports)."""
    probe = tmp_path / "saver"
    probe.mkdir()
    refused = _fasttext_saver_refuses(files, probe, name)
    out_dir = tmp_path / "cli"
    out_dir.mkdir()
    code, _, err = run_main("--allow-pickle", "convert", files / "ft.model", out_dir / name)
    assert (code == 1) == refused, err
    if refused:
        assert "loaded" not in err and os.listdir(out_dir) == []  # the kind was read from the bytes
        assert "OUTPUT" in err and name in err
    else:
        assert load_vectors(out_dir / name, allow_pickle=True).bucket == 500


def test_fasttext_continue_refuses_an_output_the_saver_refuses_before_training(files, run_main, tmp_path):
    name = next(n for n in ("out.txt", "out.vec", "out.bin") if _fasttext_saver_refuses(files, tmp_path, n))
    code, _, err = run_main("--allow-pickle", "continue", files / "ft.model", files / "corpus.txt", "-o",
                            tmp_path / "cli" / name)
    assert code == 1 and "-o/--output" in err and "fastText" in err
    assert "loaded model" not in err  # refused before the model was read, let alone trained


def test_the_saver_is_asked_for_each_kind():
    assert saver_refusal("word2vec", "x.kv") is None and saver_refusal("fasttext", "x.kv") is None
    assert "{path}" in saver_refusal("word2vec", "x.npy") and "'.npy'" in saver_refusal("word2vec", "x.npy")
    assert saver_refusal("word2vec", "x.txt") is None


def test_an_unknown_kind_is_refused_only_when_no_kind_can_be_written(tmp_path, monkeypatch):
    from gensim_merge import _cli_steps

    monkeypatch.setattr(_cli_steps, "saver_refusal", lambda kind, name: "no" if kind == "fasttext" else None)
    assert _cli_steps.check_output(str(tmp_path / "x.bin")) is None
    with pytest.raises(ModelFileError, match="-o/--output: no"):
        _cli_steps.check_output(str(tmp_path / "x.bin"), kind="fasttext")

