"""Tests of the gensim-merge command: the real command in a subprocess, plus in-process runs for the rest."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import Word2Vec

from gensim_merge import Alignment, cli
from gensim_merge.io import load_vectors as _load_vectors
from gensim_merge.io import save_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("align", "merge", "continue", "evaluate", "report", "convert", "demo")


def load_vectors(path):
    """(vectors, format) of a file these tests wrote (so pickles are trusted)."""
    return _load_vectors(path, allow_pickle=True, return_format=True)


def run(*args, timeout=300):
    """Run ``python -m gensim_merge ARGS`` in a subprocess; return the CompletedProcess."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-m", "gensim_merge", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=ROOT, check=False)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Small models in several formats, a full Word2Vec model and a corpus."""
    rng = np.random.default_rng(0)
    d = tmp_path_factory.mktemp("cli")
    words = [f"w{i}" for i in range(120)]
    target = make_kv(words, 8, rng, counts=np.arange(1200, 0, -10))
    source = rotated_copy(target, random_orthogonal(8, rng))
    source.vectors[:5] = rng.normal(size=(5, 8))
    third = make_kv(words[60:] + ["x1", "x2"], 8, rng, counts=np.arange(620, 0, -10))
    save_vectors(target, d / "target.kv")
    save_vectors(source, d / "source.bin")
    save_vectors(third, d / "third.safetensors")
    save_vectors(make_kv(words[:30], 5, rng), d / "narrow.txt")
    (d / "garbage.kv").write_bytes(b"this is not a model at all\n")

    vocab = [f"t{i}" for i in range(40)]
    old = [[vocab[(i + k) % 40] for k in range(8)] for i in range(200)]
    new = [[vocab[(i + 2 * k) % 40] for k in range(6)] + ["fresh", "novel"] for i in range(200)]
    model = Word2Vec(old, vector_size=8, min_count=2, workers=1, seed=1, epochs=2)
    model.save(str(d / "old.model"))
    (d / "new.txt").write_text("\n".join(" ".join(s) for s in new) + "\n", encoding="utf8")
    return {"dir": d, "target": target, "source": source, "third": third}


# --------------------------------------------------------------------------------------------------------
# the real command, in a subprocess


def test_align(files):
    d = files["dir"]
    done = run("align", d / "source.bin", d / "target.kv", "-o", d / "aligned.safetensors",
               "--save-alignment", d / "map.npz", "--anchor-min-count", "0", "--allow-pickle")
    assert done.returncode == 0, done.stderr
    assert "Alignment (orthogonal" in done.stdout
    assert "as word2vec binary" in done.stderr
    assert "as gensim native (a pickle" in done.stderr and "trust" in done.stderr
    assert "pickle-free" in done.stderr  # the output's format
    aligned, fmt = load_vectors(d / "aligned.safetensors")
    assert fmt == "safetensors" and aligned.alignment is not None
    target = files["target"]
    np.testing.assert_allclose(aligned.vectors[10:], target.vectors[10:], atol=0.05)
    trimmed = {s for s, _, _ in aligned.alignment.report.trimmed}
    assert trimmed and trimmed <= {f"w{i}" for i in range(5)}
    assert Alignment.load(d / "map.npz").report == aligned.alignment.report


def test_merge(files):
    d = files["dir"]
    done = run("merge", d / "source.bin", d / "target.kv", d / "third.safetensors", "-o", d / "merged.kv",
               "--names", "src", "tgt", "thd", "--reference", "tgt", "--anchor-min-count", "0", "--allow-pickle")
    assert done.returncode == 0, done.stderr
    assert "Merge of 3 model(s) into the space of 'tgt'" in done.stdout
    assert "as safetensors (pickle-free)" in done.stderr
    merged, fmt = load_vectors(d / "merged.kv")
    assert fmt == "native"
    assert set(merged.index_to_key) == set(files["target"].index_to_key) | {"x1", "x2"}
    assert merged.sources == ["src", "tgt", "thd"]
    assert merged.provenance("x1") == ["thd"] and merged.provenance("w0") == ["src", "tgt"]
    # the command takes the library's default fit (centred, applied without translation) unless told otherwise
    assert merged.merge_report.center_fit
    done = run("merge", d / "source.bin", d / "target.kv", "-o", d / "raw.kv", "--raw-fit", "--anchor-min-count", "0",
               "--allow-pickle")
    assert done.returncode == 0, done.stderr
    assert not load_vectors(d / "raw.kv")[0].merge_report.center_fit


def test_continue_a_full_model(files):
    d = files["dir"]
    done = run("continue", d / "old.model", d / "new.txt", "-o", d / "continued.txt", "--save-model",
               d / "continued.model", "--epochs", "1", "--workers", "1", "--allow-pickle")
    assert done.returncode == 0, done.stderr
    assert "ContinuationReport" in done.stdout
    assert "full Word2Vec model" in done.stderr
    vectors, fmt = load_vectors(d / "continued.txt")
    assert fmt == "word2vec-text" and {"fresh", "novel"} <= set(vectors.key_to_index)
    model = Word2Vec.load(str(d / "continued.model"))
    assert model.wv.index_to_key == vectors.index_to_key


def test_evaluate_with_a_reference_as_json(files, run_main):
    d = files["dir"]
    code, out, err = run_main("evaluate", d / "source.bin", "--reference", d / "target.kv", "--topn", "5",
                              "--json", "--allow-pickle")
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"standard_scores", "closeness"}
    assert payload["closeness"]["coverage"] == 1.0
    assert payload["closeness"]["topn"] == 5
    assert "analogies_coverage" in payload["standard_scores"]


def test_report(files):
    pytest.importorskip("matplotlib")
    d = files["dir"]
    done = run("report", d / "source.bin", d / "target.kv", "-o", d / "report.html", "--png", d / "charts",
               "--anchor-min-count", "0", "--allow-pickle")
    assert done.returncode == 0, done.stderr
    page = (d / "report.html").read_text(encoding="utf8")
    assert page.count("data:image/png;base64,") == 2
    assert sorted(os.listdir(d / "charts")) == ["projection.png", "residuals.png"]


def test_error_is_one_line_with_nonzero_exit(files):
    missing = files["dir"] / "missing.kv"
    done = run("align", missing, files["dir"] / "target.kv", "-o", files["dir"] / "x.kv")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("gensim-merge align: error:") and str(missing) in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_demo_command_runs_the_main_job():
    done = run("demo", timeout=600)
    assert done.returncode == 0, done.stderr
    assert "joint training again, another seed" in done.stdout and "held-out cosine" in done.stdout
    assert "continue_from(members=2, new_model=B)" in done.stdout and "What to take from it:" in done.stdout


# --------------------------------------------------------------------------------------------------------
# in-process runs (parsing, more error paths, options)


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in COMMANDS:
        assert command in out
    assert "Example:" in out and ".safetensors" in out


def test_verbose_shows_the_traceback(files, run_main):
    d = files["dir"]
    code, _, err = run_main("-v", "align", d / "garbage.kv", d / "target.kv", "-o", d / "x.kv")
    assert code == 1
    assert "Traceback" in err and "ModelFileError" in err


def test_evaluate_prints_tables(files, run_main):
    d = files["dir"]
    code, out, err = run_main("--allow-pickle", "evaluate", d / "target.kv", "--reference", d / "target.kv")
    assert code == 0, err
    assert "WordSim-353" in out and "ClosenessReport<" not in out and "nn@10 overlap" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main([command, "--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert f"gensim-merge {command}" in out and "Example:" in out


@pytest.mark.parametrize("argv, message", [
    (["align", "{d}/source.bin", "{d}/target.kv", "-o", "{d}/out.npy"], "extension '.npy'"),
    (["align", "{d}/narrow.txt", "{d}/target.kv", "-o", "{d}/out.kv", "--allow-pickle"], "different vector sizes"),
    (["align", "{d}/garbage.kv", "{d}/target.kv", "-o", "{d}/out.kv"], "garbage.kv"),
    (["align", "{d}/source.bin", "{d}/target.kv", "-o", "{d}/nodir/out.kv"], "does not exist"),
    (["merge", "{d}/source.bin", "-o", "{d}/out.kv"], "at least two models"),
    (["merge", "{d}/source.bin", "{d}/target.kv", "-o", "{d}/out.kv", "--reference", "nope"],
     "--reference 'nope'"),
    (["merge", "{d}/source.bin", "{d}/target.kv", "-o", "{d}/out.kv", "--names", "one"], "one name per model"),
    (["continue", "{d}/old.model", "{d}/missing.txt", "-o", "{d}/out.kv", "--allow-pickle"], "missing.txt"),
    (["continue", "{d}/old.model", "{d}/new.txt", "-o", "{d}/out.kv", "--window", "3", "--allow-pickle"],
     "warm start"),
    (["report", "{d}/source.bin", "{d}/target.kv", "-o", "{d}/report.pdf"], "should end in .html"),
])
def test_bad_input_gives_one_line_and_exit_1(files, run_main, argv, message):
    code, out, err = run_main(*[a.format(d=files["dir"]) for a in argv])
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[-1].startswith("gensim-merge ") and message in lines[-1]
    assert "Traceback" not in err


def test_quiet_prints_results_only(files, run_main):
    d = files["dir"]
    code, out, err = run_main("align", d / "source.bin", d / "target.kv", "-o", d / "q.txt", "-q",
                              "--anchor-min-count", "0", "--allow-pickle")
    assert code == 0 and err == ""
    assert "Alignment (orthogonal" in out


def test_continue_warm_start_from_vectors(files, run_main):
    d = files["dir"]
    vectors, _ = load_vectors(d / "old.model")
    save_vectors(vectors, d / "old_vectors.safetensors")
    code, _, err = run_main("continue", d / "old_vectors.safetensors", d / "new.txt", "-o",
                              d / "warm.safetensors", "--epochs", "1", "--workers", "1", "--seed", "3",
                              "--min-count", "1")
    assert code == 0, err
    assert "warm start" in err
    warm, _ = load_vectors(d / "warm.safetensors")
    assert {"fresh", "novel"} <= set(warm.key_to_index)


def test_merge_default_names_come_from_the_file_names(files, run_main):
    d = files["dir"]
    code, _, err = run_main("merge", d / "target.kv", d / "third.safetensors", "-o", d / "m2.safetensors",
                              "--no-align", "--strategy", "mean", "--allow-pickle")
    assert code == 0, err
    merged, _ = load_vectors(d / "m2.safetensors")
    assert merged.sources == ["target", "third"]
