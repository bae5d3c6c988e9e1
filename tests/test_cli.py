"""The gensim-merge command: every subcommand, its options, outputs, messages and help."""

import gzip
import json
import logging
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import FastText, Word2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath

from gensim_merge import Alignment, cli, merge
from gensim_merge import continuation as continuation_module
from gensim_merge.alignment import AlignOptions
from gensim_merge.cli import Console, saver_refusal
from gensim_merge.errors import ModelFileError
from gensim_merge.evaluation import closeness, fidelity_ratio
from gensim_merge.io import load_vectors, save_vectors
from gensim_merge.io import load_vectors as _load_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy

# --------------------------------------------------------------------------------------------------------------
# from test_cli.py
# --------------------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
COMMANDS = ("align", "merge", "continue", "evaluate", "report", "convert", "demo")


def load_vectors_cli(path):
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
    aligned, fmt = load_vectors_cli(d / "aligned.safetensors")
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
    merged, fmt = load_vectors_cli(d / "merged.kv")
    assert fmt == "native"
    assert set(merged.index_to_key) == set(files["target"].index_to_key) | {"x1", "x2"}
    assert merged.sources == ["src", "tgt", "thd"]
    assert merged.provenance("x1") == ["thd"] and merged.provenance("w0") == ["src", "tgt"]
    # the command takes the library's default fit (centred, applied without translation) unless told otherwise
    assert merged.merge_report.center_fit
    done = run("merge", d / "source.bin", d / "target.kv", "-o", d / "raw.kv", "--raw-fit", "--anchor-min-count", "0",
               "--allow-pickle")
    assert done.returncode == 0, done.stderr
    assert not load_vectors_cli(d / "raw.kv")[0].merge_report.center_fit


def test_continue_a_full_model(files):
    d = files["dir"]
    done = run("continue", d / "old.model", d / "new.txt", "-o", d / "continued.txt", "--save-model",
               d / "continued.model", "--epochs", "1", "--workers", "1", "--allow-pickle")
    assert done.returncode == 0, done.stderr
    assert "ContinuationReport" in done.stdout
    assert "full Word2Vec model" in done.stderr
    vectors, fmt = load_vectors_cli(d / "continued.txt")
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
    vectors, _ = load_vectors_cli(d / "old.model")
    save_vectors(vectors, d / "old_vectors.safetensors")
    code, _, err = run_main("continue", d / "old_vectors.safetensors", d / "new.txt", "-o",
                              d / "warm.safetensors", "--epochs", "1", "--workers", "1", "--seed", "3",
                              "--min-count", "1")
    assert code == 0, err
    assert "warm start" in err
    warm, _ = load_vectors_cli(d / "warm.safetensors")
    assert {"fresh", "novel"} <= set(warm.key_to_index)


def test_merge_default_names_come_from_the_file_names(files, run_main):
    d = files["dir"]
    code, _, err = run_main("merge", d / "target.kv", d / "third.safetensors", "-o", d / "m2.safetensors",
                              "--no-align", "--strategy", "mean", "--allow-pickle")
    assert code == 0, err
    merged, _ = load_vectors_cli(d / "m2.safetensors")
    assert merged.sources == ["target", "third"]


# --------------------------------------------------------------------------------------------------------------
# from test_cli_align_options.py
# --------------------------------------------------------------------------------------------------------------
COMMANDS_WITH_ALIGNMENT = ("align", "merge", "report")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    rng = np.random.default_rng(0)
    d = tmp_path_factory.mktemp("cli_align")
    words = [f"w{i}" for i in range(150)]
    target = make_kv(words, 8, rng, counts=np.arange(1500, 0, -10))
    source = rotated_copy(target, random_orthogonal(8, rng))
    save_vectors(target, d / "target.safetensors")
    save_vectors(source, d / "source.bin")
    return d


def _parse(*argv):
    return cli.build_parser().parse_args(["align", "s.bin", "t.bin", "-o", "out.bin", *argv])


# ---- the flags are the library's options
def test_every_alignment_option_has_a_flag_in_every_command_that_aligns():
    assert set(cli.ALIGNMENT_FLAGS) == set(AlignOptions.names())
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for command in COMMANDS_WITH_ALIGNMENT:
        flags = {s for action in subparsers[command]._actions for s in action.option_strings}
        assert set(cli.ALIGNMENT_FLAGS.values()) <= flags, command


def test_no_flag_gives_the_library_defaults():
    assert cli.alignment_options(_parse()) == AlignOptions().to_dict()


def test_every_flag_changes_its_option():
    options = cli.alignment_options(_parse(
        "--pairs", "p.txt", "--method", "linear", "--ridge", "0.5", "--center", "--no-normalize", "--no-trim",
        "--trim-threshold", "2", "--n-anchors", "100", "--anchor-min-count", "3", "--heldout", "0.2",
        "--skip-missing", "--seed", "7",
    ))
    defaults = AlignOptions().to_dict()
    assert [name for name in defaults if options[name] == defaults[name]] == []
    assert AlignOptions(**options).heldout == 0.2


def test_help_shows_the_library_defaults_and_ranges(capsys):
    with pytest.raises(SystemExit):
        cli.main(["align", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for option in ("ridge", "trim_threshold", "n_anchors", "anchor_min_count", "heldout", "seed"):
        default = getattr(AlignOptions, option)
        allowed = AlignOptions.allowed(option).removeprefix("None or ")
        assert f"{allowed} (default: {default})" in text, option
    for option in ("center", "normalize", "trim"):
        assert f"(default: {getattr(AlignOptions, option)})" in text


# ---- bad values: one line naming the flag, the value and the range; non-zero exit; nothing written
BAD = [
    (["--heldout", "1.5"], "--heldout must be in [0, 1), got 1.5"),
    (["--heldout", "-0.3"], "--heldout must be in [0, 1), got -0.3"),
    (["--trim-threshold", "-5"], "--trim-threshold must be in (0, 1000], got -5.0"),
    (["--n-anchors", "-5"], "--n-anchors must be an integer in [2, 1_000_000_000], got -5"),
    (["--anchor-min-count", "-1"], "--anchor-min-count must be an integer in [0, 1_000_000_000_000], got -1"),
    (["--seed", "-2"], "--seed must be an integer in [0, 4_294_967_295], got -2"),
    (["--ridge", "nan", "--method", "linear"], "--ridge must be in [0, 1e+12], got nan"),
    (["--ridge", "0.5"], "--ridge must be 0 unless method is linear, got 0.5"),
]


@pytest.mark.parametrize("command", COMMANDS_WITH_ALIGNMENT)
@pytest.mark.parametrize("flags, message", BAD)
def test_a_bad_value_is_one_line_and_nothing_is_written(models, run_main, command, flags, message):
    out = models / f"out_{command}.{'html' if command == 'report' else 'safetensors'}"
    inputs = [models / "source.bin", models / "target.safetensors"]
    code, _, err = run_main(command, *inputs, "-o", out, *flags)
    assert code != 0
    lines = err.strip().splitlines()
    assert lines[-1] == f"gensim-merge {command}: error: {message}", err
    if command != "report" or "matplotlib" not in err:  # checked before anything else: nothing loaded first
        assert len(lines) == 1, err
    assert not any(line.startswith(("Traceback", "  File")) for line in lines)
    assert not out.exists()


@pytest.mark.parametrize("command, output", [("align", "o.bin"), ("merge", "o.bin"), ("report", "o.html")])
def test_commands_check_their_options_before_reading_any_file(tmp_path, run_main, command, output):
    code, _, err = run_main(command, tmp_path / "missing.bin", tmp_path / "missing2.bin", "-o", tmp_path / output,
                            "--heldout", "1.5")
    assert code == 1 and "--heldout must be in [0, 1), got 1.5" in err and "missing" not in err


def test_the_real_command_refuses_heldout_1_5(models):
    out = models / "real.safetensors"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "gensim_merge", "align", str(models / "source.bin"),
                           str(models / "target.safetensors"), "-o", str(out), "--heldout", "1.5"],
                          check=False, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert done.returncode == 1
    assert done.stderr.strip() == "gensim-merge align: error: --heldout must be in [0, 1), got 1.5"
    assert not out.exists()


# ---- progress while mapping
class _FakeBar:
    """Stands in for the tqdm bar that _Console.progress returns; records what it is told."""

    def __init__(self, made, **kwargs):
        self.kwargs, self.updates, self.closed = kwargs, [], False
        made.append(self)

    def update(self, n):
        self.updates.append(n)

    def close(self):
        self.closed = True


@pytest.mark.parametrize("threshold, shown", [(0, True), (cli.PROGRESS_MIN_WORDS, False)])
def test_align_shows_progress_over_every_word_of_a_large_model(models, run_main, monkeypatch, threshold, shown):
    made = []
    monkeypatch.setattr(cli, "PROGRESS_MIN_WORDS", threshold)
    monkeypatch.setattr(Console, "progress", lambda self, **kwargs: _FakeBar(made, **kwargs))
    code, _, _ = run_main("align", models / "source.bin", models / "target.safetensors", "-o",
                          models / f"progress{threshold}.safetensors", "--anchor-min-count", "0")
    assert code == 0
    if not shown:
        assert made == []
        return
    (bar,) = made
    assert bar.kwargs["total"] == 150 and sum(bar.updates) == 150 and bar.closed


def test_align_runs_with_the_real_progress_bar(models, run_main, monkeypatch):
    monkeypatch.setattr(cli, "PROGRESS_MIN_WORDS", 0)
    out = models / "real_bar.safetensors"
    code, _, err = run_main("align", models / "source.bin", models / "target.safetensors", "-o", out,
                            "--anchor-min-count", "0")
    assert code == 0 and out.exists(), err
# --------------------------------------------------------------------------------------------------------------
# from test_cli_continue.py
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def run_main_cli_continue(run_main):
    """The shared in-process runner, opted in to gensim's native (pickle) format: the files are the test's own."""
    return lambda *args: run_main("--allow-pickle", *args)


@pytest.fixture(scope="module")
def files_cli_continue(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_continue")
    vocab = [f"t{i}" for i in range(40)]
    old = [[vocab[(i + k) % 40] for k in range(8)] for i in range(200)]
    new = [[vocab[(i + 2 * k) % 40] for k in range(6)] + ["fresh", "novel"] for i in range(200)]
    model = Word2Vec(old, vector_size=8, min_count=2, workers=1, seed=1, epochs=2)
    model.save(str(d / "old.model"))
    save_vectors(model.wv, d / "old_vectors.safetensors")
    (d / "new.txt").write_text("\n".join(" ".join(s) for s in new) + "\n", encoding="utf8")
    (d / "rehearsal.txt").write_text("\n".join(" ".join(s) for s in old[:20]) + "\n", encoding="utf8")
    return d


@pytest.fixture
def spy(monkeypatch):
    """Record the keyword arguments the command passes to continue_training (which still runs)."""
    seen = {}
    real = continuation_module.continue_training

    def record(source, corpus=None, **kwargs):
        seen.clear()
        seen.update(kwargs, source=source, corpus=corpus)
        return real(source, corpus, **kwargs)

    monkeypatch.setattr(continuation_module, "continue_training", record)
    return seen


@pytest.mark.parametrize("flags, expected", [
    (["--epochs", "2"], {"epochs": 2}),
    (["--alpha", "0.03"], {"alpha": 0.03}),
    (["--min-alpha", "0.002"], {"min_alpha": 0.002}),
    (["--workers", "1"], {"workers": 1}),
    (["--min-count", "3"], {"min_count": 3}),
    (["--min-count-rule", "new"], {"min_count_rule": "new"}),
    (["--no-resort"], {"resort": False}),
])
def test_full_model_flag_reaches_the_library(files_cli_continue, run_main_cli_continue, spy, flags, expected, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue",
        files_cli_continue / "old.model",
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "out.txt",
        "--epochs",
        "1",
        *flags,
    )
    assert code == 0, err
    for name, value in expected.items():
        assert spy[name] == value, name
    assert spy["word2vec_kwargs"] is None and isinstance(spy["source"], Word2Vec)


def test_no_flags_leave_the_library_defaults(files_cli_continue, run_main_cli_continue, spy, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue", files_cli_continue / "old.model", files_cli_continue / "new.txt", "-o", tmp_path / "out.txt"
    )
    assert code == 0, err
    assert set(spy) == {"source", "corpus", "word2vec_kwargs", "inplace"}


def test_rehearsal_flag_interleaves_the_file(files_cli_continue, run_main_cli_continue, spy, tmp_path):
    code, out, err = run_main_cli_continue(
        "continue",
        files_cli_continue / "old.model",
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "out.txt",
        "--epochs",
        "1",
        "--rehearsal",
        files_cli_continue / "rehearsal.txt",
    )
    assert code == 0, err
    assert spy["rehearsal"] == str(files_cli_continue / "rehearsal.txt")
    assert "rehearsal 20 lines" in out


def test_no_resort_leaves_new_words_at_the_end(files_cli_continue, run_main_cli_continue, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue",
        files_cli_continue / "old.model",
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "out.kv",
        "--epochs",
        "1",
        "--no-resort",
        "--save-model",
        tmp_path / "out.model",
    )
    assert code == 0, err
    model = Word2Vec.load(str(tmp_path / "out.model"))
    assert model.wv.index_to_key[-2:] == ["fresh", "novel"]


def test_min_count_keeps_rare_new_words_out(files_cli_continue, run_main_cli_continue, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue",
        files_cli_continue / "old.model",
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "out.txt",
        "--epochs",
        "1",
        "--min-count",
        "500",
    )
    assert code == 0, err
    vectors = load_vectors(tmp_path / "out.txt")
    assert "fresh" not in vectors  # seen 200 times, below 500


@pytest.mark.parametrize("flags, expected", [
    (["--window", "3"], {"window": 3}),
    (["--negative", "3"], {"negative": 3}),
    (["--sg", "1"], {"sg": 1}),
    (["--seed", "5"], {"seed": 5}),
])
def test_warm_start_flag_reaches_the_model(files_cli_continue, run_main_cli_continue, spy, flags, expected, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue",
        files_cli_continue / "old_vectors.safetensors",
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "out.txt",
        "--epochs",
        "1",
        "--warm-start-epochs",
        "2",
        *flags,
    )
    assert code == 0, err
    assert spy["word2vec_kwargs"] == expected and spy["warm_start_epochs"] == 2
    model = Word2Vec.load(str(files_cli_continue / "old.model"))  # the full model is untouched
    assert model.window == 5


def test_warm_start_epochs_are_spent(files_cli_continue, run_main_cli_continue, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue",
        files_cli_continue / "old_vectors.safetensors",
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "out.txt",
        "--epochs",
        "1",
        "--warm-start-epochs",
        "1",
        "--save-model",
        tmp_path / "warm.model",
        "--workers",
        "1",
    )
    assert code == 0, err
    model = Word2Vec.load(str(tmp_path / "warm.model"))
    event = [e for e in model.lifecycle_events if e.get("event") == "continue_training"][-1]
    assert event["warm_start"] and event["warm_start_epochs"] == 1
    assert np.any(model.syn1neg != 0)


@pytest.mark.parametrize("flags", [["--window", "3"], ["--warm-start-epochs", "2"]])
def test_warm_start_flags_refused_for_a_full_model(files_cli_continue, run_main_cli_continue, flags, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue", files_cli_continue / "old.model", files_cli_continue / "new.txt", "-o", tmp_path / "out.txt", *flags
    )
    assert code == 1
    assert flags[0] in err and "warm start" in err and "ValueError:" not in err


@pytest.mark.parametrize("flag", ["--lock", "--lock-power", "--blend", "--blend-every-epoch",
                                  "--no-drift-correction"])
def test_removed_flags_are_gone(files_cli_continue, run_main_cli_continue, flag, tmp_path):
    with pytest.raises(SystemExit) as info:
        run_main_cli_continue(
            "continue",
            files_cli_continue / "old.model",
            files_cli_continue / "new.txt",
            "-o",
            tmp_path / "out.txt",
            flag,
            "1",
        )
    assert info.value.code == 2
    assert flag not in cli.build_parser().format_help()


@pytest.mark.parametrize("flags, shown", [
    (["--epochs", "0"], "--epochs=0"),
    (["--alpha", "-1"], "--alpha=-1"),
    (["--min-alpha", "-0.5"], "--min-alpha=-0.5"),
    (["--workers", "0"], "--workers=0"),
    (["--min-count", "0"], "--min-count=0"),
    (["--warm-start-epochs", "-1"], "--warm-start-epochs=-1"),
    (["--seed", "-4"], "--seed=-4"),
    (["--window", "0"], "--window=0"),
    (["--negative", "0"], "--negative=0"),
    (["--alpha", "0.01", "--min-alpha", "0.1"], "--min-alpha=0.1"),
])
def test_out_of_range_flags_refused_before_any_work(files_cli_continue, run_main_cli_continue, flags, shown, tmp_path):
    code, _, err = run_main_cli_continue("continue", tmp_path / "missing.model", files_cli_continue / "new.txt", "-o",
                            tmp_path / "out.txt", *flags)
    assert code == 1
    flag, value = shown.split("=", 1)
    assert flag in err and value in err and "must be" in err and "Error:" not in err
    assert not (tmp_path / "out.txt").exists()


def test_vectors_file_as_corpus_is_named(files_cli_continue, run_main_cli_continue, tmp_path):
    model = Word2Vec.load(str(files_cli_continue / "old.model"))
    model.wv.save_word2vec_format(str(tmp_path / "vectors.bin"), binary=True)
    code, _, err = run_main_cli_continue(
        "continue", files_cli_continue / "old.model", tmp_path / "vectors.bin", "-o", tmp_path / "out.txt"
    )
    assert code == 1
    assert "vectors.bin" in err and "word2vec binary vectors file" in err and "UnicodeDecodeError" not in err


def test_no_alpha_warning_on_the_console(files_cli_continue, run_main_cli_continue, tmp_path):
    code, _, err = run_main_cli_continue(
        "continue",
        files_cli_continue / "old.model",
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "out.txt",
        "--epochs",
        "1",
    )
    assert code == 0, err
    assert "Effective 'alpha'" not in err


def test_one_worker_is_reproducible(files_cli_continue, run_main_cli_continue, tmp_path):
    for name in ("a.txt", "b.txt"):
        code, _, err = run_main_cli_continue(
            "continue",
            files_cli_continue / "old.model",
            files_cli_continue / "new.txt",
            "-o",
            tmp_path / name,
            "--epochs",
            "1",
            "--workers",
            "1",
        )
        assert code == 0, err
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


# ---------------------------------------------------------------------------------------------------------
# a vectors or binary file given as the corpus is named as such (no advice to convert its encoding)
@pytest.mark.parametrize("name, kind", [("vectors.safetensors", "safetensors"), ("vectors.kv", "gensim native"),
                                        ("vectors.bin", "word2vec binary")])
def test_a_vectors_file_as_corpus_says_what_it_is(files_cli_continue, run_main_cli_continue, tmp_path, name, kind):
    vectors = load_vectors(files_cli_continue / "old_vectors.safetensors")
    save_vectors(vectors, tmp_path / name)
    code, _, err = run_main_cli_continue(
        "continue", files_cli_continue / "old.model", tmp_path / name, "-o", tmp_path / "out.txt"
    )
    assert code == 1
    line = err.strip().splitlines()[-1]
    assert name in line and f"{kind} vectors file" in line and "not text" in line, err
    assert "iconv" not in err and "UTF-8" not in err
    assert "loaded" not in err  # the corpus is checked before the model is read


def test_a_binary_corpus_is_named_binary(files_cli_continue, run_main_cli_continue, tmp_path):
    (tmp_path / "data.npy").write_bytes(b"\x93NUMPY\x01\x00v\x00" + bytes(range(256)) * 4)
    code, _, err = run_main_cli_continue(
        "continue", files_cli_continue / "old.model", tmp_path / "data.npy", "-o", tmp_path / "out.txt"
    )
    assert code == 1 and "data.npy" in err and "binary file" in err and "iconv" not in err


# ---------------------------------------------------------------------------------------------------------
# fastText models are continued too
@pytest.fixture(scope="module")
def fasttext_model(files_cli_continue):
    from gensim.models import FastText

    vocab = [f"t{i}" for i in range(40)]
    old = [[vocab[(i + k) % 40] for k in range(8)] for i in range(200)]
    model = FastText(old, vector_size=8, min_count=2, workers=1, seed=1, epochs=1, bucket=300)
    model.save(str(files_cli_continue / "old_fasttext.model"))
    return files_cli_continue / "old_fasttext.model"


def test_continue_a_fasttext_model(files_cli_continue, fasttext_model, run_main_cli_continue, tmp_path):
    from gensim.models import FastText

    code, out, err = run_main_cli_continue(
        "continue",
        fasttext_model,
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "ft.model",
        "--save-model",
        tmp_path / "full.model",
        "--epochs",
        "1",
        "--workers",
        "1",
        "--alpha",
        "0.02",
    )
    assert code == 0, err
    assert "full FastText model" in err
    assert out.startswith("FastTextContinuationReport\n") and "FastTextContinuationReport(" not in out
    assert "alpha 0.02 ->" in out and "+2" in out  # 'fresh' and 'novel'
    vectors = load_vectors(tmp_path / "ft.model", allow_pickle=True)
    assert {"fresh", "novel"} <= set(vectors.key_to_index)
    assert vectors.bucket == 300 and vectors.vectors_ngrams.shape == (300, 8)  # the buckets are kept
    assert "freshly" not in vectors.key_to_index and vectors["freshly"].shape == (8,)  # n-grams answer
    full = FastText.load(str(tmp_path / "full.model"))
    assert full.wv.index_to_key == vectors.index_to_key


def test_continue_a_facebook_fasttext_bin(files_cli_continue, run_main_cli_continue, tmp_path):
    from gensim.test.utils import datapath

    code, out, err = run_main_cli_continue(
        "continue",
        datapath("lee_fasttext.bin"),
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "lee.model",
        "--epochs",
        "1",
        "--workers",
        "1",
    )
    assert code == 0, err
    assert "fastText binary" in err and "FastTextContinuationReport" in out
    assert "fresh" in load_vectors(tmp_path / "lee.model", allow_pickle=True).key_to_index


@pytest.mark.parametrize("flags", [["--min-count", "3"], ["--rehearsal", "{d}/rehearsal.txt"], ["--seed", "2"],
                                   ["--members", "2"], ["--new-model", "train"], ["--window", "3"]])
def test_word2vec_only_flags_are_refused_for_a_fasttext_model(
    files_cli_continue, fasttext_model, run_main_cli_continue, tmp_path, flags
):
    code, _, err = run_main_cli_continue(
        "continue",
        fasttext_model,
        files_cli_continue / "new.txt",
        "-o",
        tmp_path / "ft.model",
        *[f.format(d=files_cli_continue) for f in flags],
    )
    assert code == 1
    assert flags[0] in err and "word2vec models only" in err and "fastText" in err
    assert "loaded" not in err and not (tmp_path / "ft.model").exists()


def test_fasttext_vectors_alone_are_refused(files_cli_continue, fasttext_model, run_main_cli_continue, tmp_path):
    from gensim.models import FastText

    FastText.load(str(fasttext_model)).wv.save(str(tmp_path / "ft.wv"))
    code, _, err = run_main_cli_continue(
        "continue", tmp_path / "ft.wv", files_cli_continue / "new.txt", "-o", tmp_path / "out.model"
    )
    assert code == 1 and "full FastText model" in err and not (tmp_path / "out.model").exists()


def test_both_continuation_reports_print_as_tables():
    from gensim_merge.continuation import FastTextContinuationReport

    report = FastTextContinuationReport(old_words=10, final_words=13, added_words=3, admitted_by_combined_count=1,
                                        moved_words=4, new_corpus_lines=20, new_corpus_words=160, epochs=2,
                                        start_alpha=0.025, end_alpha=0.0001)
    lines = str(report).splitlines()
    assert lines[0] == "FastTextContinuationReport"
    assert lines[1].split(None, 1) == ["vocabulary", "10 -> 13 words (+3, 1 admitted by combined counts)"]
    assert "2 epochs, alpha 0.025 -> 0.0001" in lines[-1]
    assert report.to_dict()["added_words"] == 3
# --------------------------------------------------------------------------------------------------------------
# from test_cli_ensemble.py
# --------------------------------------------------------------------------------------------------------------


def _main(args, capsys):
    root = logging.getLogger()
    saved = (root.level, [(h, h.level) for h in root.handlers])
    try:
        code = cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err
    finally:
        logging.captureWarnings(False)
        root.setLevel(saved[0])
        for handler, level in saved[1]:
            handler.setLevel(level)


@pytest.fixture(scope="module")
def files_cli_ensemble(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli_ensemble")
    vocab = [f"t{i}" for i in range(60)]
    text = [[vocab[(i * 7 + 3 * k) % 60] for k in range(8)] for i in range(300)]
    new = [[vocab[(i + 2 * k) % 60] for k in range(6)] + ["fresh", "novel"] for i in range(200)]
    for seed in (1, 2, 3):
        model = Word2Vec(text, vector_size=8, min_count=2, workers=1, seed=seed, epochs=2)
        save_vectors(model.wv, d / f"seed{seed}.safetensors")
    model.wv.save(str(d / "seed3.kv"))
    model.save(str(d / "old.model"))
    save_vectors(Word2Vec(text, vector_size=6, min_count=2, workers=1, seed=4, epochs=1).wv, d / "small.safetensors")
    (d / "new.txt").write_text("\n".join(" ".join(s) for s in new) + "\n", encoding="utf8")
    save_vectors(Word2Vec(new, vector_size=8, min_count=2, workers=1, seed=5, epochs=2).wv, d / "new.safetensors")
    return d


def test_ensemble_command(files_cli_ensemble, capsys, tmp_path):
    out = tmp_path / "ens.safetensors"
    code, stdout, err = _main(
        [
            "--allow-pickle",
            "ensemble",
            files_cli_ensemble / "seed1.safetensors",
            files_cli_ensemble / "seed2.safetensors",
            files_cli_ensemble / "seed3.kv",
            "-o",
            out,
            "--anchor-min-count",
            "0",
        ],
        capsys,
    )
    assert code == 0, err
    kv = load_vectors(out)
    assert kv.estimates("t1") == 3 and kv.provenance("t1") == ["seed1", "seed2", "seed3"]
    assert "words with n estimates: {'3': 60}" in stdout
    first = load_vectors(files_cli_ensemble / "seed1.safetensors")
    np.testing.assert_array_equal(kv.expandos["count"][[kv.key_to_index[w] for w in first.index_to_key]],
                                  first.expandos["count"])  # not summed


def test_ensemble_command_errors(files_cli_ensemble, capsys, tmp_path):
    code, _, err = _main(
        [
            "ensemble",
            files_cli_ensemble / "seed1.safetensors",
            files_cli_ensemble / "seed3.kv",
            "-o",
            tmp_path / "e.kv",
        ],
        capsys,
    )
    assert code == 1 and "--allow-pickle" in err
    code, _, err = _main(
        [
            "ensemble",
            files_cli_ensemble / "seed1.safetensors",
            files_cli_ensemble / "small.safetensors",
            "-o",
            tmp_path / "e.kv",
        ],
        capsys,
    )
    assert code == 1 and "different vector sizes" in err
    code, _, err = _main(
        ["ensemble", files_cli_ensemble / "seed1.safetensors", "-o", tmp_path / "e.kv", "--heldout", "2"], capsys
    )
    assert code == 1 and "--heldout must be" in err


@pytest.mark.parametrize("new_model", ["train", "new.safetensors"])
def test_continue_with_new_model_and_members(files_cli_ensemble, capsys, tmp_path, new_model):
    out = tmp_path / "cont.safetensors"
    given = new_model if new_model == "train" else files_cli_ensemble / new_model
    code, stdout, err = _main(
        [
            "--allow-pickle",
            "continue",
            files_cli_ensemble / "old.model",
            files_cli_ensemble / "new.txt",
            "-o",
            out,
            "--new-model",
            given,
            "--members",
            "2",
            "--seed",
            "3",
            "--workers",
            "1",
        ],
        capsys,
    )
    assert code == 0, err
    kv = load_vectors(out)
    assert kv.estimates("fresh") == 3 and kv.estimates("t1") == 2
    assert kv.provenance("fresh")[:2] == ["continued (seed 3)", "continued (seed 4)"]
    assert "2 member(s)" in stdout


def test_continue_members_refused_before_work(files_cli_ensemble, capsys, tmp_path):
    code, _, err = _main(
        [
            "--allow-pickle",
            "continue",
            tmp_path / "missing.model",
            files_cli_ensemble / "new.txt",
            "-o",
            tmp_path / "c.kv",
            "--members",
            "0",
        ],
        capsys,
    )
    assert code == 1 and "--members must be an integer in [1, 64], got 0" in err
# --------------------------------------------------------------------------------------------------------------
# from test_cli_evaluate_report.py
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files_cli_evaluate_report(tmp_path_factory):
    """A reference, a second training of it (the floor: a little noise) and a candidate further away."""
    rng = np.random.default_rng(0)
    d = tmp_path_factory.mktemp("evaluate")
    words = [f"w{i}" for i in range(150)]
    reference = make_kv(words, 8, rng, counts=np.arange(1500, 0, -10))
    floor = rotated_copy(reference, random_orthogonal(8, rng))
    floor.vectors += rng.normal(scale=0.05, size=floor.vectors.shape).astype(np.float32)
    candidate = rotated_copy(reference, random_orthogonal(8, rng))
    candidate.vectors += rng.normal(scale=0.4, size=candidate.vectors.shape).astype(np.float32)
    candidate.vectors[:20] = rng.normal(size=(20, 8))
    for name, kv in (("reference.safetensors", reference), ("floor.bin", floor), ("candidate.txt", candidate)):
        save_vectors(kv, d / name)
    return d


def _table_rows(out):
    """The rows of the closeness table (after its header line), as lists of cells."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("group "))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        rows.append(line.split())
    return lines[start].split(), rows


def test_evaluate_prints_a_table_not_a_repr(files_cli_evaluate_report, run_main):
    code, out, err = run_main(
        "evaluate",
        files_cli_evaluate_report / "candidate.txt",
        "--reference",
        files_cli_evaluate_report / "reference.safetensors",
    )
    assert code == 0, err
    assert "ClosenessReport<" not in out
    header, rows = _table_rows(out)
    assert header == ["group", "words", "nn@10", "overlap", "rho", "coverage"]
    assert rows[0][:2] == ["overall", "150"] and rows[0][-1] == "100.0%"
    assert "nn@10 overlap: share of a word's 10 nearest neighbours" in out  # the legend says how to read it


def test_evaluate_with_a_floor_prints_each_groups_ratio_to_it(files_cli_evaluate_report, run_main):
    code, out, err = run_main(
        "evaluate",
        files_cli_evaluate_report / "candidate.txt",
        "--reference",
        files_cli_evaluate_report / "reference.safetensors",
        "--floor",
        files_cli_evaluate_report / "floor.bin",
        "--topn",
        "5",
    )
    assert code == 0, err
    header, rows = _table_rows(out)
    assert header[-5:] == ["floor", "nn@5", "ratio", "to", "floor"]  # "floor nn@5", "ratio to floor"
    from gensim_merge.io import load_vectors

    reference = load_vectors(files_cli_evaluate_report / "reference.safetensors")
    candidate = closeness(load_vectors(files_cli_evaluate_report / "candidate.txt"), reference, topn=5)
    floor = closeness(load_vectors(files_cli_evaluate_report / "floor.bin"), reference, topn=5)
    ratio = fidelity_ratio(candidate, floor)["overall"]
    assert 0 < ratio < 1  # the candidate is further from the reference than its second training
    assert rows[0][0] == "overall"
    assert float(rows[0][-1]) == pytest.approx(ratio, abs=0.005)
    assert float(rows[0][-2]) == pytest.approx(floor.overall.nn_overlap, abs=0.0005)
    assert "ratio to floor: nn overlap divided by the floor's" in out
    assert f"noise floor: {files_cli_evaluate_report / 'floor.bin'}" in out


def test_evaluate_with_a_floor_as_json(files_cli_evaluate_report, run_main):
    code, out, err = run_main(
        "evaluate",
        files_cli_evaluate_report / "candidate.txt",
        "--reference",
        files_cli_evaluate_report / "reference.safetensors",
        "--floor",
        files_cli_evaluate_report / "floor.bin",
        "--json",
    )
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"standard_scores", "closeness", "noise_floor", "ratio_to_floor"}
    overall = payload["closeness"]["groups"]["overall"]["nn_overlap"]
    assert payload["ratio_to_floor"]["overall"] == pytest.approx(
        overall / payload["noise_floor"]["groups"]["overall"]["nn_overlap"])


@pytest.mark.parametrize("argv, message", [
    (["--floor", "{d}/floor.bin"], "--floor needs --reference"),
    (["--reference", "{d}/reference.safetensors", "--topn", "0"], "--topn must be an integer >= 1, got 0"),
    (["--reference", "{d}/reference.safetensors", "--seed", "-1"], "--seed must be an integer >= 0, got -1"),
])
def test_evaluate_bad_options_fail_before_loading_anything(files_cli_evaluate_report, run_main, argv, message):
    code, out, err = run_main(
        "evaluate", files_cli_evaluate_report / "candidate.txt", *[a.format(d=files_cli_evaluate_report) for a in argv]
    )
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert "loaded" not in err


def test_report_names_the_models_by_their_file_names(files_cli_evaluate_report, run_main):
    pytest.importorskip("matplotlib")
    out_path = files_cli_evaluate_report / "report.html"
    code, _out, err = run_main(
        "report",
        files_cli_evaluate_report / "candidate.txt",
        files_cli_evaluate_report / "reference.safetensors",
        "-o",
        out_path,
        "--anchor-min-count",
        "0",
    )
    assert code == 0, err
    page = out_path.read_text(encoding="utf8")
    assert re.search(r"Source <b>candidate\.txt</b> \(150 words, 8 dimensions\)", page)
    assert "target <b>reference.safetensors</b>" in page
    assert "KeyedVectors&lt;" not in page


def test_merge_summary_quotes_the_reference_name_once(rng):
    words = [f"w{i}" for i in range(60)]
    a = make_kv(words, 6, rng, counts=np.arange(600, 0, -10))
    b = rotated_copy(a, random_orthogonal(6, rng))
    text = str(merge([a, b], names=["A", "B"], align_options={"anchor_min_count": 0}).merge_report)
    assert "into the space of 'A' (strategy=count" in text
    assert "'A''s" not in text


# ---------------------------------------------------------------------------------------------------------
# --floor must be a second training of the reference: it holds (most of) the reference's words
def test_a_floor_of_other_words_is_refused(files_cli_evaluate_report, run_main, tmp_path, rng):
    other = make_kv([f"w{i}" for i in range(100)] + [f"x{i}" for i in range(200)], 8, rng)  # 100 of 150: 66.7%
    save_vectors(other, tmp_path / "ok_floor.safetensors")
    code, _, err = run_main(
        "evaluate",
        files_cli_evaluate_report / "candidate.txt",
        "--reference",
        files_cli_evaluate_report / "reference.safetensors",
        "--floor",
        tmp_path / "ok_floor.safetensors",
    )
    assert code == 0, err
    other = make_kv([f"w{i}" for i in range(70)] + [f"x{i}" for i in range(200)], 8, rng)  # 70 of 150: 46.7%
    save_vectors(other, tmp_path / "other.safetensors")
    code, out, err = run_main(
        "evaluate",
        files_cli_evaluate_report / "candidate.txt",
        "--reference",
        files_cli_evaluate_report / "reference.safetensors",
        "--floor",
        tmp_path / "other.safetensors",
    )
    assert code == 1 and out == ""
    assert "--floor" in err and "other.safetensors" in err and "70 of" in err and "150 words" in err, err


def test_the_reference_itself_is_no_floor(files_cli_evaluate_report, run_main):
    code, _, err = run_main(
        "evaluate",
        files_cli_evaluate_report / "candidate.txt",
        "--reference",
        files_cli_evaluate_report / "reference.safetensors",
        "--floor",
        files_cli_evaluate_report / "reference.safetensors",
    )
    assert code == 1 and "--floor" in err and "reference itself" in err and "loaded" not in err


def test_check_noise_floor_measures_the_share_of_the_reference(rng):
    from gensim_merge.errors import NoSharedVocabularyError
    from gensim_merge.evaluation import MIN_FLOOR_SHARE, check_noise_floor

    reference = make_kv([f"w{i}" for i in range(100)], 4, rng)
    superset = make_kv([f"w{i}" for i in range(300)], 4, rng)  # a lower min_count: every word of the reference
    assert check_noise_floor(superset, reference) == 1.0
    half = make_kv([f"w{i}" for i in range(50)], 4, rng)
    assert check_noise_floor(half, reference) == MIN_FLOOR_SHARE == 0.5
    with pytest.raises(NoSharedVocabularyError, match="49 of the reference's 100 words"):
        check_noise_floor(make_kv([f"w{i}" for i in range(49)], 4, rng), reference)
    with pytest.raises(NoSharedVocabularyError):
        check_noise_floor(half, reference, min_share=0.9)
# --------------------------------------------------------------------------------------------------------------
# from test_cli_messages.py
# --------------------------------------------------------------------------------------------------------------


def command(*args):
    """The real command in a subprocess (its logging set-up is the one users get)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "gensim_merge", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def models_cli_messages(tmp_path, rng):
    words = [f"w{i}" for i in range(120)]
    paths = []
    for name in ("a", "b"):
        kv = make_kv(words, 6, rng, counts=np.full(len(words), 100))
        save_vectors(kv, tmp_path / f"{name}.safetensors")
        paths.append(tmp_path / f"{name}.safetensors")
    return paths


def test_advice_names_the_flag_not_the_python_parameter(run_main, models_cli_messages, tmp_path):
    (tmp_path / "pairs.txt").write_text("w1 absent\nw2 w3\n")
    code, _, err = run_main(
        "align", *models_cli_messages, "-o", tmp_path / "out.safetensors", "--pairs", tmp_path / "pairs.txt"
    )
    assert code == 1 and "--skip-missing" in err and "on_missing" not in err
    code, _, err = run_main(
        "align", *models_cli_messages, "-o", tmp_path / "out.safetensors", "--anchor-min-count", 1000
    )
    assert code == 1 and "--anchor-min-count" in err and "anchor_min_count" not in err


def test_os_errors_read_as_sentences(run_main, models_cli_messages, tmp_path):
    code, _, err = run_main(
        "align", *models_cli_messages, "-o", tmp_path / "out.safetensors", "--pairs", tmp_path / "absent.txt"
    )
    assert code == 1
    assert "no such file or directory" in err and "absent.txt" in err
    assert "[Errno" not in err and "FileNotFoundError" not in err and "ValueError" not in err


def test_verbose_prints_each_message_once(models_cli_messages, tmp_path):
    code, _, err = command("align", *models_cli_messages, "-o", tmp_path / "out.safetensors", "-v")
    assert code == 0
    saved = [line for line in err.splitlines() if "saved MergeableKeyedVectors" in line]
    loaded = [line for line in err.splitlines() if "a.safetensors" in line and "loaded" in line]
    assert len(saved) == 1 and len(loaded) == 1, err


def test_library_warnings_are_one_line_without_source(tmp_path):
    (tmp_path / "dup.txt").write_text("3 2\ncat 1 0\ndog 0 1\ncat 5 5\n")
    code, _, err = command("evaluate", tmp_path / "dup.txt")
    assert code == 0
    warnings = [line for line in err.splitlines() if "duplicate word" in line or "more than once" in line]
    assert len(warnings) == 2, err  # gensim's log record and our warning
    assert all(line.startswith("gensim-merge: warning: ") for line in warnings), err
    assert ".py" not in err and " : WARNING : " not in err


# ---------------------------------------------------------------------------------------------------------
# messages written for Python readers speak flags at the command line
def test_the_pickle_refusal_speaks_flags(run_main, tmp_path, rng):
    kv = make_kv([f"w{i}" for i in range(20)], 4, rng)
    kv.save(str(tmp_path / "a.kv"))
    code, _, err = run_main("convert", tmp_path / "a.kv", tmp_path / "a.txt")
    assert code == 1 and "--allow-pickle" in err
    assert "allow_pickle" not in err and "(command line:" not in err and err.count("pass --allow-pickle") == 1, err
    assert "gensim-merge convert --allow-pickle " in err, err  # the advised copy needs the switch too


def test_an_unknown_output_extension_speaks_flags(run_main, models_cli_messages, tmp_path):
    code, _, err = run_main("align", *models_cli_messages, "-o", tmp_path / "out.npy")
    assert code == 1 and "'.npy'" in err and "-o/--output" in err
    assert "fmt=" not in err, err


def test_the_rank_stand_in_warning_speaks_flags(run_main, tmp_path, rng):
    words = [f"w{i}" for i in range(60)]
    for name in ("a", "b"):
        make_kv(words, 4, rng).save_word2vec_format(str(tmp_path / f"{name}.txt"))  # no counts: rank stand-ins
    code, _, err = run_main("merge", tmp_path / "a.txt", tmp_path / "b.txt", "-o", tmp_path / "m.safetensors")
    assert code == 0, err
    warning = " ".join(line for line in err.splitlines() if "stand-in" in line)
    assert "--counts" in warning, err
    assert "fvocab" not in warning and "load_word2vec_format" not in warning and "strategy='mean'" not in warning


@pytest.mark.parametrize("text, shown, hidden", [
    ("pass more anchors (anchors=None uses every word the two models share)", "leaving out --pairs", "anchors="),
    ("add anchors or use method='orthogonal'", "--method orthogonal", "method="),
    ("align=False fits none", "--no-align fits none", "align="),
    ("allow it with allow_pickle=True (command line: --allow-pickle)", "allow it with --allow-pickle", "command line"),
    ("Pass its encoding (encoding='latin-1'; command line: --encoding latin-1)", "(--encoding latin-1)",
     "command line"),
    ("use one of ['.kv'] (optionally followed by .gz), or pass fmt= one of ['native']", "followed by .gz)", "fmt="),
])
def test_python_spellings_become_flags(text, shown, hidden):
    from gensim_merge.cli import build_parser, in_command_line_terms

    spelled = in_command_line_terms(text, build_parser(), "merge")
    assert shown in spelled and hidden not in spelled, spelled
# --------------------------------------------------------------------------------------------------------------
# from test_cli_outputs.py
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def files_cli_outputs(tmp_path_factory):
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
def test_an_output_onto_an_input_or_another_output_is_refused_first(files_cli_outputs, run_main, argv, flags):
    if "projection.png" in " ".join(argv):
        (files_cli_outputs / "projection.png").write_bytes(b"an input that happens to have the name of a chart")
    before = _snapshot(files_cli_outputs)
    code, out, err = run_main("--allow-pickle", *[a.format(d=files_cli_outputs) for a in argv])
    assert code == 1 and out == ""
    line = err.strip().splitlines()[-1]
    assert "same file" in line and all(flag in line for flag in flags), err
    assert "loaded" not in err  # refused before any file was read
    assert _snapshot(files_cli_outputs) == before  # nothing written, nothing replaced


def test_a_link_to_an_input_is_the_input(files_cli_outputs, run_main, tmp_path):
    link = tmp_path / "link.txt"
    link.symlink_to(files_cli_outputs / "corpus.txt")
    code, _, err = run_main(
        "--allow-pickle", "continue", files_cli_outputs / "w2v.model", files_cli_outputs / "corpus.txt", "-o", link
    )
    assert code == 1 and "same file" in err
    assert (files_cli_outputs / "corpus.txt").read_text(encoding="utf8").startswith("w0 w1")


def test_distinct_outputs_still_work(files_cli_outputs, run_main, tmp_path):
    code, _, err = run_main(
        "align",
        files_cli_outputs / "a.safetensors",
        files_cli_outputs / "b.txt",
        "-o",
        tmp_path / "x.kv",
        "--save-alignment",
        tmp_path / "x.npz",
        "--anchor-min-count",
        "0",
    )
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
def test_an_output_name_no_saver_writes_is_refused_before_reading(files_cli_outputs, run_main, tmp_path, argv):
    code, out, err = run_main("--allow-pickle", *[a.format(d=files_cli_outputs, t=tmp_path) for a in argv])
    assert code == 1 and out == ""
    line = err.strip().splitlines()[-1]
    assert ("OUTPUT" in line or "-o/--output" in line) and "out." in line, err
    assert "loaded" not in err
    assert os.listdir(tmp_path) == []


def _fasttext_saver_refuses(files_cli_outputs, tmp_path, name):
    """Whether the library's saver refuses to write the fastText model under `name` (asked directly)."""
    model = load_vectors(files_cli_outputs / "ft.model", allow_pickle=True)
    try:
        save_vectors(model, tmp_path / name)
    except ModelFileError:
        return True
    return False


@pytest.mark.parametrize("name", ["out.txt", "out.bin", "out.safetensors", "out.kv", "out.model", "out.vec.gz"])
def test_fasttext_outputs_follow_the_saver(files_cli_outputs, run_main, tmp_path, name):
    """The command refuses exactly the names the saver refuses for a fastText model (whatever it supports)."""
    probe = tmp_path / "saver"
    probe.mkdir()
    refused = _fasttext_saver_refuses(files_cli_outputs, probe, name)
    out_dir = tmp_path / "cli"
    out_dir.mkdir()
    code, _, err = run_main("--allow-pickle", "convert", files_cli_outputs / "ft.model", out_dir / name)
    assert (code == 1) == refused, err
    if refused:
        assert "loaded" not in err and os.listdir(out_dir) == []  # the kind was read from the bytes
        assert "OUTPUT" in err and name in err
    else:
        assert load_vectors(out_dir / name, allow_pickle=True).bucket == 500


def test_fasttext_continue_refuses_an_output_the_saver_refuses_before_training(files_cli_outputs, run_main, tmp_path):
    name = next(n for n in ("out.txt", "out.vec", "out.bin") if _fasttext_saver_refuses(files_cli_outputs, tmp_path, n))
    code, _, err = run_main(
        "--allow-pickle",
        "continue",
        files_cli_outputs / "ft.model",
        files_cli_outputs / "corpus.txt",
        "-o",
        tmp_path / "cli" / name,
    )
    assert code == 1 and "-o/--output" in err and "fastText" in err
    assert "loaded model" not in err  # refused before the model was read, let alone trained


def test_the_saver_is_asked_for_each_kind():
    assert saver_refusal("word2vec", "x.kv") is None and saver_refusal("fasttext", "x.kv") is None
    assert "{path}" in saver_refusal("word2vec", "x.npy") and "'.npy'" in saver_refusal("word2vec", "x.npy")
    assert saver_refusal("word2vec", "x.txt") is None


def test_an_unknown_kind_is_refused_only_when_no_kind_can_be_written(tmp_path, monkeypatch):
    from gensim_merge import cli as _cli_steps

    monkeypatch.setattr(_cli_steps, "saver_refusal", lambda kind, name: "no" if kind == "fasttext" else None)
    assert _cli_steps.check_output(str(tmp_path / "x.bin")) is None
    with pytest.raises(ModelFileError, match="-o/--output: no"):
        _cli_steps.check_output(str(tmp_path / "x.bin"), kind="fasttext")


# --------------------------------------------------------------------------------------------------------------
# from test_cli_help_examples.py
# --------------------------------------------------------------------------------------------------------------
#: Arguments (argparse dests) that name a text corpus, not a model.
CORPUS_DESTS = {"corpus", "rehearsal"}
#: Arguments that name a full model (continued with its training state), not vectors.
FULL_MODEL_DESTS = {("continue", "model")}
#: Arguments that name files the command reads.
INPUT_DESTS = {"source", "target", "models", "model", "corpus", "input", "rehearsal", "reference", "floor"}


def help_examples():
    """(command, argv) of every example line in the help texts."""
    parser = cli.build_parser()
    texts = [("", parser.format_help())]
    for action in parser._subparsers._group_actions:
        texts += [(name, sub.format_help()) for name, sub in action.choices.items()]
    examples = []
    for name, text in texts:
        block = text.split(cli.EXAMPLES_HEADING, 1)[1].split("\n\n", 1)[0]
        for line in block.strip().splitlines():
            argv = shlex.split(line, comments=True)
            assert argv[0] == "gensim-merge", line
            examples.append(pytest.param(argv[1:], id=" ".join(argv[1:3]),
                                         marks=[pytest.mark.slow] if argv[1] == "demo" else []))
    return examples


@pytest.fixture(scope="module")
def lee():
    sentences = list(LineSentence(datapath("lee_background.cor")))
    half = len(sentences) // 2
    return {"all": sentences, "first": sentences[:half], "second": sentences[half:]}


def _make_input(path, role, command, lee, seed):
    """Make the file `path` for the argument `role` of `command`."""
    name = path.name
    if role in CORPUS_DESTS:
        text = "\n".join(" ".join(s) for s in lee["second"]) + "\n"
        if name.endswith(".gz"):
            with gzip.open(path, "wt", encoding="utf8") as fh:
                fh.write(text)
        else:
            path.write_text(text, encoding="utf8")
        return
    kwargs = {"vector_size": 12, "min_count": 3, "epochs": 1, "workers": 1, "seed": seed}
    corpus = lee["all"] if role in ("reference", "floor") or command in ("ensemble", "evaluate") else lee["first"]
    if "fasttext" in name:
        model = FastText(corpus, bucket=2000, **kwargs)
    else:
        model = Word2Vec(corpus, **kwargs)
    if (command, role) in FULL_MODEL_DESTS:
        model.save(str(path))
    else:
        save_vectors(model.wv, path)


@pytest.mark.parametrize("argv", help_examples())
def test_every_help_example_runs_as_written(argv, lee, tmp_path, monkeypatch, run_main):
    monkeypatch.chdir(tmp_path)
    parser = cli.build_parser()
    args = parser.parse_args(argv)
    seed = 1
    for dest in sorted(INPUT_DESTS & set(vars(args))):
        values = getattr(args, dest)
        for value in [values] if isinstance(values, str) else values or []:
            _make_input(tmp_path / value, dest, args.command, lee, seed)
            seed += 1
    if args.command == "report":
        pytest.importorskip("matplotlib")
    code, _, err = run_main(*argv)
    assert code == 0, err
    for dest in ("output", "save_alignment", "save_model"):
        if getattr(args, dest, None):
            assert (tmp_path / getattr(args, dest)).is_file(), dest


def test_examples_are_found():
    commands = {param.values[0][0] for param in help_examples()}
    assert commands == {"align", "merge", "continue", "ensemble", "evaluate", "report", "convert", "demo"}


def test_a_slow_word2vec_load_shows_a_progress_bar(tmp_path, rng, monkeypatch):
    """The reader's progress records drive a bar while the command loads (a 500k-word file loads for a minute)."""
    import io

    import tqdm

    from gensim_merge import _files

    kv = make_kv([f"w{i}" for i in range(9000)], 4, rng)
    kv.save_word2vec_format(str(tmp_path / "big.txt"))
    monkeypatch.setattr(_files, "PROGRESS_SECONDS", 0.0)  # a record at every tick
    shown = io.StringIO()
    console = Console(False)
    monkeypatch.setattr(console, "progress", lambda **kwargs: tqdm.tqdm(file=shown, disable=False, **kwargs))
    loaded = cli.load(str(tmp_path / "big.txt"), "input", console)
    assert len(loaded) == 9000
    bar = shown.getvalue()
    assert "loading big.txt" in bar and "9.00k/9.00k" in bar and "46%" in bar, bar
