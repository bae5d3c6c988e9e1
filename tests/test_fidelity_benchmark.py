"""Smoke test of benchmarks/fidelity.py (``python -m benchmarks.fidelity``): the quick mode with tiny parameters,
in a temporary cache."""

import gzip
import importlib
import json
import logging
import math

import pytest

TINY = ["--quick", "--vector-size", "16", "--epochs", "2", "--workers", "1", "--max-words", "200",
        "--n-pairs", "2000", "--anchors", "300"]
# gensim's analogy evaluation parses its 19 544 questions on every call (about a second per model), so
# the full run skips the standard scores and a second, one-candidate run checks them


@pytest.fixture(scope="module")
def fidelity():
    return importlib.import_module("benchmarks.fidelity")


@pytest.fixture(scope="module")
def quick_run(fidelity, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fidelity")
    gensim_logger = logging.getLogger("gensim")
    level = gensim_logger.level
    try:
        options = ["--cache-dir", str(tmp / "cache"), "--no-standard", "--output", str(tmp / "out.md"),
                   "--json", str(tmp / "out.json")]
        rows, summary = fidelity.main(TINY + options)
    finally:
        gensim_logger.setLevel(level)  # main() quietens gensim; leave the test process as it was
    return tmp, rows, summary


def test_quick_run_scores_every_candidate(fidelity, quick_run):
    _, rows, summary = quick_run
    by_name = {row["name"]: row for row in rows}
    assert list(by_name) == ["joint", *fidelity.CANDIDATES]
    for name in fidelity.CANDIDATES:
        figures = by_name[name]["figures"]
        for group in fidelity.GROUPS:
            nn = figures["nn10"][group]
            assert math.isnan(nn) or 0 <= nn <= 1, (name, group, nn)
        assert -1 <= figures["rho"] <= 1 and 0 < figures["coverage"] <= 1
        assert by_name[name]["combine_seconds"] >= 0 and by_name[name]["train_seconds"] > 0
    floor = by_name["noise-floor"]["figures"]
    assert all(floor["ratio"][g] == pytest.approx(1.0) for g in fidelity.GROUPS)
    assert floor["coverage"] == 1.0 and floor["nn10"]["overall"] > 0
    # A alone knows no B-only word; the unions and continued training know A's and B's words
    assert by_name["a-alone"]["figures"]["n_words"]["B-only"] == 0
    assert math.isnan(by_name["a-alone"]["figures"]["nn10"]["B-only"])
    a_coverage = by_name["a-alone"]["figures"]["coverage"]
    for name in ("naive-union", "translation-matrix", "procrustes-union", "continued-plain"):
        assert by_name[name]["figures"]["coverage"] > a_coverage
        assert by_name[name]["figures"]["n_words"]["B-only"] == summary["groups"]["B-only"]
    # the groups partition the joint vocabulary
    assert sum(summary["groups"].values()) == summary["models"]["joint"]["vocabulary"]


def test_quick_run_writes_markdown_and_json(fidelity, quick_run):
    tmp, rows, _ = quick_run
    text = (tmp / "out.md").read_text()
    assert "Command: `python -m benchmarks.fidelity --quick" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    for candidate in fidelity.CANDIDATES.values():
        assert any(line.startswith(f"| {candidate.label} |") for line in table), candidate.label
    assert "| joint model (reference) |" in text and "ratio overall" in text
    data = json.loads((tmp / "out.json").read_text())
    assert [row["name"] for row in data["rows"]] == [row["name"] for row in rows]


def test_models_are_cached_and_reused(fidelity, quick_run, monkeypatch):
    tmp, rows, _ = quick_run
    cached = sorted(path.name.split("-")[0] for path in (tmp / "cache" / "models").iterdir() if path.is_dir())
    assert cached == ["a", "b", "floor", "joint"]
    for path in (tmp / "cache" / "models").iterdir():
        if path.is_dir():
            assert json.loads((path / "meta.json").read_text())["train_seconds"] > 0

    def no_training(*args, **kwargs):
        raise AssertionError("a cached model was trained again")

    monkeypatch.setattr(fidelity, "train_word2vec", no_training)
    args = fidelity.parse_args(TINY + ["--cache-dir", str(tmp / "cache"), "--only", "a-alone,noise-floor"])
    again, _ = fidelity.run(args)
    assert [row["name"] for row in again] == ["joint", "a-alone", "noise-floor"]
    first = {row["name"]: row for row in rows}
    for row in again[1:]:
        assert row["figures"]["nn10"] == first[row["name"]]["figures"]["nn10"]  # same models, same seed
    # this time with the standard scores, in the table too
    for row in again:
        assert set(row["standard"]) >= {"wordsim353", "simlex999", "analogies", "analogies_coverage"}
    table = fidelity.markdown_table(again)
    assert "| WS353 | SimLex | analogies |" in table and len(table.splitlines()) == 2 + 3


def test_unknown_candidate_and_duplicate_registration(fidelity, tmp_path):
    with pytest.raises(SystemExit, match="unknown candidate"):
        fidelity.run(fidelity.parse_args(TINY + ["--cache-dir", str(tmp_path), "--only", "nope"]))
    with pytest.raises(ValueError, match="already registered"):
        fidelity.register("a-alone")(lambda context: None)
    with pytest.raises(ValueError, match="roles"):
        fidelity.register("x", uses=("c",))


def test_corpora_read_gzip_halves_and_interleave(fidelity, tmp_path):
    path = tmp_path / "c.txt.gz"
    with gzip.open(path, "wt", encoding="utf8") as handle:
        handle.write("a b\n\nc d e\nf\ng h\n")
    assert list(fidelity.LineCorpus(path)) == [["a", "b"], ["c", "d", "e"], ["f"], ["g", "h"]]
    assert list(fidelity.LineCorpus(path, part="even")) == [["a", "b"], ["c", "d", "e"], ["g", "h"]]
    assert list(fidelity.LineCorpus(path, part="odd")) == [["f"]]
    first, second = [[f"a{i}"] for i in range(6)], [[f"b{i}"] for i in range(3)]
    mixed = [line[0] for line in fidelity.InterleavedCorpus(first, second, 6, 3)]
    assert mixed == ["a0", "b0", "a1", "a2", "b1", "a3", "a4", "b2", "a5"]
    assert len(list(fidelity.InterleavedCorpus(first, second, 1, 100))) == 9  # wrong sizes lose nothing


def test_ratios_compare_with_the_floor_on_the_same_vocabulary(fidelity, quick_run):
    tmp, _, _ = quick_run
    setup = fidelity.continuation_setup("quick", cache_dir=tmp / "cache", extra_args=TINY[1:])
    floor = setup["models"]["floor"].wv
    assert set(setup) >= {"source", "params", "corpus_a", "corpus_b", "reference", "groups", "scorer"}
    # the floor itself, cut down to its most frequent 60 %: compared with the floor cut the same way,
    # so every ratio is exactly 1 although its neighbour overlap differs from the full floor's
    part = fidelity.restrict(floor, floor.index_to_key[: int(0.6 * len(floor))])
    figures = fidelity.score(part, setup)
    assert figures["coverage"] == pytest.approx(0.6, abs=0.01)
    assert all(figures["ratio"][g] == 1.0 for g in fidelity.GROUPS if not math.isnan(figures["nn10"][g]))
    assert figures["nn10"]["overall"] != setup["scorer"].floor_report.overall.nn_overlap
    assert fidelity.score(floor, setup)["ratio"] == {g: 1.0 for g in fidelity.GROUPS}
