"""The command line's alignment flags: built on AlignOptions, checked before any work, progress while mapping."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gensim_merge import _cli_commands as cli_commands
from gensim_merge import _cli_steps as cli_steps
from gensim_merge import cli
from gensim_merge._cli_console import Console
from gensim_merge.alignment import AlignOptions
from gensim_merge.io import save_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy

ROOT = Path(__file__).resolve().parents[1]
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
    assert set(cli_steps.ALIGNMENT_FLAGS) == set(AlignOptions.names())
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for command in COMMANDS_WITH_ALIGNMENT:
        flags = {s for action in subparsers[command]._actions for s in action.option_strings}
        assert set(cli_steps.ALIGNMENT_FLAGS.values()) <= flags, command


def test_no_flag_gives_the_library_defaults():
    assert cli_steps.alignment_options(_parse()) == AlignOptions().to_dict()


def test_every_flag_changes_its_option():
    options = cli_steps.alignment_options(_parse(
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


@pytest.mark.parametrize("threshold, shown", [(0, True), (cli_steps.PROGRESS_MIN_WORDS, False)])
def test_align_shows_progress_over_every_word_of_a_large_model(models, run_main, monkeypatch, threshold, shown):
    made = []
    monkeypatch.setattr(cli_commands, "PROGRESS_MIN_WORDS", threshold)
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
    monkeypatch.setattr(cli_commands, "PROGRESS_MIN_WORDS", 0)
    out = models / "real_bar.safetensors"
    code, _, err = run_main("align", models / "source.bin", models / "target.safetensors", "-o", out,
                            "--anchor-min-count", "0")
    assert code == 0 and out.exists(), err
