"""The command line speaks command line: flags in advice, no Python prefixes, one-line warnings, nothing twice."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gensim_merge import save_vectors
from tests.conftest import make_kv

ROOT = Path(__file__).resolve().parents[1]


def command(*args):
    """The real command in a subprocess (its logging set-up is the one users get)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "gensim_merge", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=300, check=False)
    return done.returncode, done.stdout, done.stderr


@pytest.fixture
def models(tmp_path, rng):
    words = [f"w{i}" for i in range(120)]
    paths = []
    for name in ("a", "b"):
        kv = make_kv(words, 6, rng, counts=np.full(len(words), 100))
        save_vectors(kv, tmp_path / f"{name}.safetensors")
        paths.append(tmp_path / f"{name}.safetensors")
    return paths


def test_advice_names_the_flag_not_the_python_parameter(run_main, models, tmp_path):
    (tmp_path / "pairs.txt").write_text("w1 absent\nw2 w3\n")
    code, _, err = run_main("align", *models, "-o", tmp_path / "out.safetensors", "--pairs", tmp_path / "pairs.txt")
    assert code == 1 and "--skip-missing" in err and "on_missing" not in err
    code, _, err = run_main("align", *models, "-o", tmp_path / "out.safetensors", "--anchor-min-count", 1000)
    assert code == 1 and "--anchor-min-count" in err and "anchor_min_count" not in err


def test_os_errors_read_as_sentences(run_main, models, tmp_path):
    code, _, err = run_main("align", *models, "-o", tmp_path / "out.safetensors", "--pairs", tmp_path / "absent.txt")
    assert code == 1
    assert "no such file or directory" in err and "absent.txt" in err
    assert "[Errno" not in err and "FileNotFoundError" not in err and "ValueError" not in err


def test_verbose_prints_each_message_once(models, tmp_path):
    code, _, err = command("align", *models, "-o", tmp_path / "out.safetensors", "-v")
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


def test_an_unknown_output_extension_speaks_flags(run_main, models, tmp_path):
    code, _, err = run_main("align", *models, "-o", tmp_path / "out.npy")
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
    from gensim_merge._cli_console import in_command_line_terms
    from gensim_merge.cli import build_parser

    spelled = in_command_line_terms(text, build_parser(), "merge")
    assert shown in spelled and hidden not in spelled, spelled
