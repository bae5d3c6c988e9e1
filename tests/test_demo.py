"""The demo (``gensim-merge demo``): one table a newcomer can read, honest about what it shows."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors

from gensim_merge import demo as demo_module
from gensim_merge.demo import (
    GM_BEST,
    GM_CONTINUE,
    GM_MERGE,
    NOISE_FLOOR,
    PLAIN_CONTINUE,
    PLAIN_MERGE,
    DemoResult,
    DemoRow,
    plain_procrustes_union,
    takeaway,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_demo():
    """The demo on its real data with 2 training epochs (the figures are meaningless, the layout is not)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(demo_module.DEMO_PARAMS, "epochs", 2)
        patch.setattr(demo_module, "DEMO_MAX_WORDS", 200)
        patch.setattr(demo_module, "DEMO_PAIRS", 500)
        lines: list[str] = []
        result = demo_module.run_demo(out=lines.append)
    return result, "\n".join(lines)


def test_the_best_route_stands_next_to_the_plain_recipes(quick_demo):
    result, text = quick_demo
    names = list(result.rows)
    assert names[-1] == NOISE_FLOOR
    for name in (PLAIN_MERGE, GM_MERGE, PLAIN_CONTINUE, GM_CONTINUE, GM_BEST):
        assert name in names and name in text
    assert {result.rows[n].made_by for n in (PLAIN_MERGE, PLAIN_CONTINUE)} == {"plain recipe"}
    assert {result.rows[n].made_by for n in (GM_MERGE, GM_CONTINUE, GM_BEST)} == {"gensim-merge"}
    assert result.alignment.n_used > 50
    assert all(0 < r.coverage <= 1 and 0 <= r.overall.nn_overlap <= 1 for r in result.closeness.values())


def test_one_table_with_every_column_labelled(quick_demo):
    _, text = quick_demo
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("result "))
    assert "ratio to the noise floor, words of" in lines[header - 1]
    for label in ("made by", "vocabulary", "A only", "B only", "both", "all", "rho", "seconds"):
        assert label in lines[header]
    assert set(lines[header + 1]) <= {"-", " "}
    # every word in the legend: what a ratio is, what vocabulary and the other columns mean
    legend = " ".join(lines[:header])
    for words in ("10 nearest neighbours", "noise floor", "1.00 = as close as retraining", "vocabulary = share",
                  "rho =", "seconds ="):
        assert words in legend
    # no table but this one, and no line of prose longer than a terminal's
    assert sum(set(line) <= {"-", " "} and "-" in line for line in lines) == 1
    prose = lines[:header - 1] + lines[header + 2 + 8:]
    assert max(len(line) for line in prose) <= 100


def test_ratios_are_to_the_floor_on_the_same_words(quick_demo):
    result, text = quick_demo
    floor = result.rows[NOISE_FLOOR]
    assert all(floor.ratios[g] == pytest.approx(1.0) for g in ("A-only", "B-only", "shared", "overall"))
    for row in result.rows.values():
        # the floor is scored on the words this result holds: like for like
        assert row.floor.n_shared == row.closeness.n_shared
        for group in ("A-only", "B-only", "shared", "overall"):
            expected = row.closeness[group].nn_overlap / row.floor[group].nn_overlap
            assert math.isnan(row.ratios[group]) if math.isnan(expected) else row.ratios[group] == expected
    a_alone = result.rows["A alone (the old model)"]
    a_line = next(line for line in text.splitlines() if line.startswith("A alone"))
    assert math.isnan(a_alone.ratios["B-only"]) and "-" in a_line.split()


def test_coverage_is_explained_by_min_count(quick_demo):
    result, text = quick_demo
    vocabulary = result.vocabulary
    assert 0 < vocabulary["neither"] < vocabulary["joint"]
    merged = result.rows[GM_MERGE].closeness
    assert merged.n_shared == vocabulary["joint"] - vocabulary["neither"]
    assert (f"the other {vocabulary['neither']} reach min_count ({demo_module.DEMO_PARAMS['min_count']}) only in "
            "A and B together") in " ".join(text.split())


def test_one_sentence_says_what_to_take_from_it(quick_demo):
    result, text = quick_demo
    assert " ".join(text.split()).endswith(takeaway(result))
    assert takeaway(result).startswith("What to take from it:") and takeaway(result).count(". ") == 0


def _result_with(ratios):
    rows = {name: DemoRow(name, "", None, None, {"overall": value}, 0.0) for name, value in ratios.items()}
    return DemoResult(rows=rows, alignment=None, vocabulary={}, seconds={})


@pytest.mark.parametrize(("best", "plain", "word"), [(0.61, 0.58, "comes closer than"), (0.59, 0.58, "ties"),
                                                     (0.55, 0.58, "stays below")])
def test_takeaway_does_not_overclaim(best, plain, word):
    result = _result_with({GM_BEST: best, PLAIN_CONTINUE: plain, GM_CONTINUE: plain, GM_MERGE: 0.43,
                           PLAIN_MERGE: 0.44})
    sentence = takeaway(result)
    assert f"{GM_BEST} {word} gensim's plain continued training ({best:.2f} vs {plain:.2f}" in sentence
    assert "merge_with ties the plain Procrustes union (0.43 vs 0.44)" in sentence
    assert "continued training comes closer than merging" in sentence and "no route reaches retraining" in sentence


def test_takeaway_says_when_merging_comes_as_close():
    result = _result_with({GM_BEST: 0.5, PLAIN_CONTINUE: 0.5, GM_CONTINUE: 0.5, GM_MERGE: 0.5, PLAIN_MERGE: 0.45})
    sentence = takeaway(result)
    assert "merge_with comes closer than the plain Procrustes union" in sentence
    assert "merging comes as close as continued training" in sentence


def _kv(words, vectors, counts):
    kv = KeyedVectors(vectors.shape[1])
    kv.add_vectors(list(words), vectors.astype(np.float32))
    kv.expandos["count"] = np.asarray(counts, dtype=np.int64)
    return kv


def test_plain_procrustes_union_rotates_b_back_and_keeps_every_word():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(60)]
    base = rng.normal(size=(60, 8))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    kv_a = _kv(words[:40], base[:40], counts=np.arange(40, 0, -1) + 10)
    kv_b = _kv(words[20:], base[20:] @ rotation, counts=np.arange(40, 0, -1) + 5)
    before = kv_b.vectors.copy()
    union = plain_procrustes_union(kv_a, kv_b)
    assert union.index_to_key == words  # A's words in A's order, then B's own
    unit = base / np.linalg.norm(base, axis=1, keepdims=True)
    np.testing.assert_allclose(union.vectors, unit, atol=1e-5)  # B's words back in A's space, shared ones agree
    np.testing.assert_array_equal(kv_b.vectors, before)  # inputs untouched


def test_plain_procrustes_union_weights_shared_words_by_count():
    rng = np.random.default_rng(1)
    words = [f"w{i}" for i in range(60)]
    base = rng.normal(size=(60, 8))
    other = base.copy()
    other[0] = rng.normal(size=8)  # w0 is used differently in B
    counts_a, counts_b = np.full(60, 10), np.full(60, 10)
    counts_a[0], counts_b[0] = 30, 10
    union = plain_procrustes_union(_kv(words, base, counts_a), _kv(words, other, counts_b))
    unit_a, unit_b = (v[0] / np.linalg.norm(v[0]) for v in (base, other))
    np.testing.assert_allclose(union["w0"], (30 * unit_a + 10 * unit_b) / 40, atol=0.03)
    assert not np.allclose(union["w0"], (unit_a + unit_b) / 2, atol=0.03)


@pytest.mark.slow
def test_python_m_gensim_merge_demo_runs_the_demo():
    done = subprocess.run([sys.executable, "-m", "gensim_merge.demo"], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert "What to take from it:" in done.stdout and NOISE_FLOOR in done.stdout
