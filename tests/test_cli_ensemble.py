"""The ``ensemble`` command and ``continue --new-model/--members``."""

import logging

import numpy as np
import pytest
from gensim.models import Word2Vec

from gensim_merge import cli
from gensim_merge.io import load_vectors, save_vectors


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
def files(tmp_path_factory):
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


def test_ensemble_command(files, capsys, tmp_path):
    out = tmp_path / "ens.safetensors"
    code, stdout, err = _main(["--allow-pickle", "ensemble", files / "seed1.safetensors", files / "seed2.safetensors",
                               files / "seed3.kv", "-o", out, "--anchor-min-count", "0"], capsys)
    assert code == 0, err
    kv = load_vectors(out)
    assert kv.estimates("t1") == 3 and kv.provenance("t1") == ["seed1", "seed2", "seed3"]
    assert "words with n estimates: {'3': 60}" in stdout
    first = load_vectors(files / "seed1.safetensors")
    np.testing.assert_array_equal(kv.expandos["count"][[kv.key_to_index[w] for w in first.index_to_key]],
                                  first.expandos["count"])  # not summed


def test_ensemble_command_errors(files, capsys, tmp_path):
    code, _, err = _main(["ensemble", files / "seed1.safetensors", files / "seed3.kv", "-o", tmp_path / "e.kv"],
                         capsys)
    assert code == 1 and "--allow-pickle" in err
    code, _, err = _main(["ensemble", files / "seed1.safetensors", files / "small.safetensors", "-o",
                          tmp_path / "e.kv"], capsys)
    assert code == 1 and "different vector sizes" in err
    code, _, err = _main(["ensemble", files / "seed1.safetensors", "-o", tmp_path / "e.kv", "--heldout", "2"],
                         capsys)
    assert code == 1 and "--heldout must be" in err


@pytest.mark.parametrize("new_model", ["train", "new.safetensors"])
def test_continue_with_new_model_and_members(files, capsys, tmp_path, new_model):
    out = tmp_path / "cont.safetensors"
    given = new_model if new_model == "train" else files / new_model
    code, stdout, err = _main(["--allow-pickle", "continue", files / "old.model", files / "new.txt", "-o", out,
                               "--new-model", given, "--members", "2", "--seed", "3", "--workers", "1"], capsys)
    assert code == 0, err
    kv = load_vectors(out)
    assert kv.estimates("fresh") == 3 and kv.estimates("t1") == 2
    assert kv.provenance("fresh")[:2] == ["continued (seed 3)", "continued (seed 4)"]
    assert "2 member(s)" in stdout


def test_continue_members_refused_before_work(files, capsys, tmp_path):
    code, _, err = _main(["--allow-pickle", "continue", tmp_path / "missing.model", files / "new.txt", "-o",
                          tmp_path / "c.kv", "--members", "0"], capsys)
    assert code == 1 and "--members must be an integer in [1, 64], got 0" in err
