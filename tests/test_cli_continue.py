"""The ``continue`` command: every flag reaches the library and does what its help says."""


import numpy as np
import pytest
from gensim.models import Word2Vec

from gensim_merge import cli
from gensim_merge import continuation as continuation_module
from gensim_merge.io import load_vectors, save_vectors


@pytest.fixture
def run_main(run_main):
    """The shared in-process runner, opted in to gensim's native (pickle) format: the files are the test's own."""
    return lambda *args: run_main("--allow-pickle", *args)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
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
def test_full_model_flag_reaches_the_library(files, run_main, spy, flags, expected, tmp_path):
    code, _, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.txt",
                            "--epochs", "1", *flags)
    assert code == 0, err
    for name, value in expected.items():
        assert spy[name] == value, name
    assert spy["word2vec_kwargs"] is None and isinstance(spy["source"], Word2Vec)


def test_no_flags_leave_the_library_defaults(files, run_main, spy, tmp_path):
    code, _, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.txt")
    assert code == 0, err
    assert set(spy) == {"source", "corpus", "word2vec_kwargs", "inplace"}


def test_rehearsal_flag_interleaves_the_file(files, run_main, spy, tmp_path):
    code, out, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.txt",
                              "--epochs", "1", "--rehearsal", files / "rehearsal.txt")
    assert code == 0, err
    assert spy["rehearsal"] == str(files / "rehearsal.txt")
    assert "rehearsal 20 lines" in out


def test_no_resort_leaves_new_words_at_the_end(files, run_main, tmp_path):
    code, _, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.kv",
                            "--epochs", "1", "--no-resort", "--save-model", tmp_path / "out.model")
    assert code == 0, err
    model = Word2Vec.load(str(tmp_path / "out.model"))
    assert model.wv.index_to_key[-2:] == ["fresh", "novel"]


def test_min_count_keeps_rare_new_words_out(files, run_main, tmp_path):
    code, _, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.txt",
                            "--epochs", "1", "--min-count", "500")
    assert code == 0, err
    vectors = load_vectors(tmp_path / "out.txt")
    assert "fresh" not in vectors  # seen 200 times, below 500


@pytest.mark.parametrize("flags, expected", [
    (["--window", "3"], {"window": 3}),
    (["--negative", "3"], {"negative": 3}),
    (["--sg", "1"], {"sg": 1}),
    (["--seed", "5"], {"seed": 5}),
])
def test_warm_start_flag_reaches_the_model(files, run_main, spy, flags, expected, tmp_path):
    code, _, err = run_main("continue", files / "old_vectors.safetensors", files / "new.txt", "-o",
                            tmp_path / "out.txt", "--epochs", "1", "--warm-start-epochs", "2", *flags)
    assert code == 0, err
    assert spy["word2vec_kwargs"] == expected and spy["warm_start_epochs"] == 2
    model = Word2Vec.load(str(files / "old.model"))  # the full model is untouched
    assert model.window == 5


def test_warm_start_epochs_are_spent(files, run_main, tmp_path):
    code, _, err = run_main("continue", files / "old_vectors.safetensors", files / "new.txt", "-o",
                            tmp_path / "out.txt", "--epochs", "1", "--warm-start-epochs", "1", "--save-model",
                            tmp_path / "warm.model", "--workers", "1")
    assert code == 0, err
    model = Word2Vec.load(str(tmp_path / "warm.model"))
    event = [e for e in model.lifecycle_events if e.get("event") == "continue_training"][-1]
    assert event["warm_start"] and event["warm_start_epochs"] == 1
    assert np.any(model.syn1neg != 0)


@pytest.mark.parametrize("flags", [["--window", "3"], ["--warm-start-epochs", "2"]])
def test_warm_start_flags_refused_for_a_full_model(files, run_main, flags, tmp_path):
    code, _, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.txt", *flags)
    assert code == 1
    assert flags[0] in err and "warm start" in err and "ValueError:" not in err


@pytest.mark.parametrize("flag", ["--lock", "--lock-power", "--blend", "--blend-every-epoch",
                                  "--no-drift-correction"])
def test_removed_flags_are_gone(files, run_main, flag, tmp_path):
    with pytest.raises(SystemExit) as info:
        run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.txt", flag, "1")
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
def test_out_of_range_flags_refused_before_any_work(files, run_main, flags, shown, tmp_path):
    code, _, err = run_main("continue", tmp_path / "missing.model", files / "new.txt", "-o",
                            tmp_path / "out.txt", *flags)
    assert code == 1
    flag, value = shown.split("=", 1)
    assert flag in err and value in err and "must be" in err and "Error:" not in err
    assert not (tmp_path / "out.txt").exists()


def test_vectors_file_as_corpus_is_named(files, run_main, tmp_path):
    model = Word2Vec.load(str(files / "old.model"))
    model.wv.save_word2vec_format(str(tmp_path / "vectors.bin"), binary=True)
    code, _, err = run_main("continue", files / "old.model", tmp_path / "vectors.bin", "-o", tmp_path / "out.txt")
    assert code == 1
    assert "vectors.bin" in err and "word2vec binary vectors file" in err and "UnicodeDecodeError" not in err


def test_no_alpha_warning_on_the_console(files, run_main, tmp_path):
    code, _, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / "out.txt",
                            "--epochs", "1")
    assert code == 0, err
    assert "Effective 'alpha'" not in err


def test_one_worker_is_reproducible(files, run_main, tmp_path):
    for name in ("a.txt", "b.txt"):
        code, _, err = run_main("continue", files / "old.model", files / "new.txt", "-o", tmp_path / name,
                                "--epochs", "1", "--workers", "1")
        assert code == 0, err
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


# ---------------------------------------------------------------------------------------------------------
# a vectors or binary file given as the corpus is named as such (no advice to convert its encoding)


@pytest.mark.parametrize("name, kind", [("vectors.safetensors", "safetensors"), ("vectors.kv", "gensim native"),
                                        ("vectors.bin", "word2vec binary")])
def test_a_vectors_file_as_corpus_says_what_it_is(files, run_main, tmp_path, name, kind):
    vectors = load_vectors(files / "old_vectors.safetensors")
    save_vectors(vectors, tmp_path / name)
    code, _, err = run_main("continue", files / "old.model", tmp_path / name, "-o", tmp_path / "out.txt")
    assert code == 1
    line = err.strip().splitlines()[-1]
    assert name in line and f"{kind} vectors file" in line and "not text" in line, err
    assert "iconv" not in err and "UTF-8" not in err
    assert "loaded" not in err  # the corpus is checked before the model is read


def test_a_binary_corpus_is_named_binary(files, run_main, tmp_path):
    (tmp_path / "data.npy").write_bytes(b"\x93NUMPY\x01\x00v\x00" + bytes(range(256)) * 4)
    code, _, err = run_main("continue", files / "old.model", tmp_path / "data.npy", "-o", tmp_path / "out.txt")
    assert code == 1 and "data.npy" in err and "binary file" in err and "iconv" not in err


# ---------------------------------------------------------------------------------------------------------
# fastText models are continued too


@pytest.fixture(scope="module")
def fasttext_model(files):
    from gensim.models import FastText

    vocab = [f"t{i}" for i in range(40)]
    old = [[vocab[(i + k) % 40] for k in range(8)] for i in range(200)]
    model = FastText(old, vector_size=8, min_count=2, workers=1, seed=1, epochs=1, bucket=300)
    model.save(str(files / "old_fasttext.model"))
    return files / "old_fasttext.model"


def test_continue_a_fasttext_model(files, fasttext_model, run_main, tmp_path):
    from gensim.models import FastText

    code, out, err = run_main("continue", fasttext_model, files / "new.txt", "-o", tmp_path / "ft.model",
                              "--save-model", tmp_path / "full.model", "--epochs", "1", "--workers", "1",
                              "--alpha", "0.02")
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


def test_continue_a_facebook_fasttext_bin(files, run_main, tmp_path):
    from gensim.test.utils import datapath

    code, out, err = run_main("continue", datapath("lee_fasttext.bin"), files / "new.txt", "-o",
                              tmp_path / "lee.model", "--epochs", "1", "--workers", "1")
    assert code == 0, err
    assert "fastText binary" in err and "FastTextContinuationReport" in out
    assert "fresh" in load_vectors(tmp_path / "lee.model", allow_pickle=True).key_to_index


@pytest.mark.parametrize("flags", [["--min-count", "3"], ["--rehearsal", "{d}/rehearsal.txt"], ["--seed", "2"],
                                   ["--members", "2"], ["--new-model", "train"], ["--window", "3"]])
def test_word2vec_only_flags_are_refused_for_a_fasttext_model(files, fasttext_model, run_main, tmp_path, flags):
    code, _, err = run_main("continue", fasttext_model, files / "new.txt", "-o", tmp_path / "ft.model",
                            *[f.format(d=files) for f in flags])
    assert code == 1
    assert flags[0] in err and "word2vec models only" in err and "fastText" in err
    assert "loaded" not in err and not (tmp_path / "ft.model").exists()


def test_fasttext_vectors_alone_are_refused(files, fasttext_model, run_main, tmp_path):
    from gensim.models import FastText

    FastText.load(str(fasttext_model)).wv.save(str(tmp_path / "ft.wv"))
    code, _, err = run_main("continue", tmp_path / "ft.wv", files / "new.txt", "-o", tmp_path / "out.model")
    assert code == 1 and "full FastText model" in err and not (tmp_path / "out.model").exists()


def test_both_continuation_reports_print_as_tables():
    from gensim_merge._continuation_report import FastTextContinuationReport

    report = FastTextContinuationReport(old_words=10, final_words=13, added_words=3, admitted_by_combined_count=1,
                                        moved_words=4, new_corpus_lines=20, new_corpus_words=160, epochs=2,
                                        start_alpha=0.025, end_alpha=0.0001)
    lines = str(report).splitlines()
    assert lines[0] == "FastTextContinuationReport"
    assert lines[1].split(None, 1) == ["vocabulary", "10 -> 13 words (+3, 1 admitted by combined counts)"]
    assert "2 epochs, alpha 0.025 -> 0.0001" in lines[-1]
    assert report.to_dict()["added_words"] == 3
