"""merge_vectors: the pure core of merging (record, vectorised union, progress) and real counts."""

import ast
import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gensim_merge import MergeableKeyedVectors, _union, merge
from gensim_merge._cli_console import Console
from gensim_merge.counts import counts_for, looks_rank_based, read_counts
from gensim_merge.errors import GensimMergeError, ModelFileError
from gensim_merge.merging import MergeResult, merge_vectors
from tests.conftest import make_kv

PACKAGE = Path(__file__).resolve().parents[1] / "gensim_merge"


def reference_merge(vocabularies, counts, reference):
    """The merged order, combined counts and provenance, spelled out with dicts and one sort."""
    n_reference = len(vocabularies[reference])
    in_reference = {key: i for i, key in enumerate(vocabularies[reference])}
    total, provenance = {}, {}
    for bit, (keys, cnt) in enumerate(zip(vocabularies, counts)):
        for key, c in zip(keys, cnt):
            total[key] = total.get(key, 0) + c
            provenance[key] = provenance.get(key, 0) | 1 << bit
    order = sorted(total, key=lambda k: (-total[k], in_reference.get(k, n_reference), k))
    return order, [total[k] for k in order], [provenance[k] for k in order]


# short words from a small alphabet (with a trailing-NUL-prone character and a non-ASCII one): many shared
# words and many ties of counts
WORDS = st.text(alphabet="ab\x00é", max_size=3)
INPUTS = st.lists(st.lists(st.tuples(WORDS, st.integers(0, 3)), min_size=1, max_size=30,
                           unique_by=lambda pair: pair[0]), min_size=1, max_size=4)


@settings(max_examples=150, deadline=None)
@given(INPUTS, st.data())
def test_vectorised_union_matches_the_reference_implementation(inputs, data):
    reference = data.draw(st.integers(0, len(inputs) - 1))
    vocabularies = [[w for w, _ in pairs] for pairs in inputs]
    counts = [np.array([c for _, c in pairs], dtype=np.int64) for pairs in inputs]
    union = _union.union_positions(vocabularies, reference)
    for keys, pos in zip(vocabularies, union.positions):
        assert union.keys[pos].tolist() == keys
    combined = np.zeros(len(union.keys), dtype=np.int64)
    for pos, cnt in zip(union.positions, counts):
        combined[pos] += cnt
    order = _union.merged_order(union.keys, combined, union.in_reference, len(vocabularies[reference]))
    expected_keys, expected_counts, expected_provenance = reference_merge(vocabularies, counts, reference)
    assert union.keys[order].tolist() == expected_keys
    assert combined[order].tolist() == expected_counts

    if any(looks_rank_based(cnt) for cnt in counts):
        return  # counts like 2, 1 are gensim's stand-ins, never summed (test_stand_in_counts_... covers them)
    models = [make_kv(keys, 3, np.random.default_rng(0), counts=cnt) for keys, cnt in zip(vocabularies, counts)]
    result = merge_vectors(models, reference=reference, align=False, strategy="mean")
    assert result.keys == expected_keys
    assert result.counts.tolist() == expected_counts
    assert result.provenance.tolist() == expected_provenance


@settings(max_examples=40, deadline=None)
@given(INPUTS)
def test_union_is_exact_when_different_keys_share_a_hash(inputs):
    vocabularies = [[w for w, _ in pairs] for pairs in inputs]
    honest = _union.union_positions(vocabularies)
    original = _union._hash
    _union._hash = len  # "", "a", "b", ... collide
    try:
        colliding = _union.union_positions(vocabularies)
    finally:
        _union._hash = original
    assert sorted(colliding.keys.tolist()) == sorted(honest.keys.tolist())
    for keys, pos in zip(vocabularies, colliding.positions):
        assert colliding.keys[pos].tolist() == keys
    assert sorted(colliding.holders.tolist()) == sorted(honest.holders.tolist())


def test_integer_keys_whose_hashes_collide_stay_apart():
    assert hash(-1) == hash(-2)
    union = _union.union_positions([[-1, 5], [-2, -1]])
    assert sorted(union.keys.tolist()) == [-2, -1, 5]
    assert union.keys[union.positions[1]].tolist() == [-2, -1]


def test_merge_vectors_returns_a_record_and_merge_builds_the_same_model(rng):
    a = make_kv([f"w{i}" for i in range(50)], 6, rng, counts=np.full(50, 40))
    b = make_kv([f"w{i}" for i in range(25, 80)], 6, rng, counts=np.full(55, 30))
    result = merge_vectors([a, b], names=["a", "b"], align_options={"anchor_min_count": 0})
    assert isinstance(result, MergeResult) and type(result.vectors) is np.ndarray
    model = merge([a, b], names=["a", "b"], align_options={"anchor_min_count": 0})
    assert type(model) is MergeableKeyedVectors
    assert model.index_to_key == result.keys
    assert model.key_to_index == {k: i for i, k in enumerate(result.keys)}
    np.testing.assert_array_equal(model.vectors, result.vectors)
    np.testing.assert_array_equal(model.expandos["count"], result.counts)
    assert model.sources == list(result.sources) == ["a", "b"]
    assert model.merge_report == result.report
    assert model.provenance("w30") == ["a", "b"]
    assert a.merge_with(b, names=["a", "b"], align_options={"anchor_min_count": 0}).index_to_key == result.keys


def test_merging_does_not_import_the_class():
    tree = ast.parse((PACKAGE / "merging.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert "gensim_merge" not in imported and "gensim_merge.keyedvectors" not in imported
    assert "MergeableKeyedVectors" not in {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def test_progress_reports_every_input_row_once(rng):
    a = make_kv([f"w{i}" for i in range(40)], 4, rng, counts=np.full(40, 9))
    b = make_kv([f"w{i}" for i in range(30, 75)], 4, rng, counts=np.full(45, 9))
    steps = []
    merge_vectors([a, b], align=False, chunk_size=7, progress=steps.append)
    assert sum(steps) == 85 and all(n > 0 for n in steps) and len(steps) > 1  # every input row once, in steps


@pytest.mark.parametrize("kwargs, error, match", [
    ({"chunk_size": 0}, ValueError, r"chunk_size must be an integer in \[1, 1_000_000_000\], got 0"),
    ({"chunk_size": 2.5}, ValueError, "chunk_size"),
    ({"progress": 3}, TypeError, "progress must be a callable"),
    ({"align_options": {"n_anchor": 5}}, TypeError, r"unknown alignment option\(s\) \['n_anchor'\]"),
])
def test_bad_options_are_refused_before_any_work(rng, kwargs, error, match):
    a = make_kv(["x", "y"], 3, rng, counts=[4, 4])
    with pytest.raises(error, match=match):
        merge_vectors([a, a], **kwargs)


# ---------------------------------------------------------------- counts: stand-ins and real ones
def test_looks_rank_based_matches_gensims_fill(tmp_path, rng):
    kv = make_kv(["the", "cat", "sat"], 4, rng)
    kv.save_word2vec_format(str(tmp_path / "v.txt"))
    loaded = MergeableKeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    assert loaded.expandos["count"].tolist() == [3, 2, 1] and looks_rank_based(loaded.expandos["count"])
    assert not looks_rank_based(np.array([4, 2, 1])) and not looks_rank_based(np.array([3, 2, 1, 1]))
    assert not looks_rank_based(np.array([1])) and not looks_rank_based(None)


@pytest.fixture
def word2vec_pair(tmp_path, rng):
    """Two word2vec text files sharing 'the', with their vocabulary files (real counts: 2083 and 2052)."""
    paths = []
    for name, words, counts in (("a", ["the", "of", "cat", "tree"], [2083, 1500, 40, 30]),
                                ("b", ["of", "the", "dog", "sea", "sky"], [2100, 2052, 50, 20, 10])):
        kv = make_kv(words, 4, rng, counts=counts)
        kv.save_word2vec_format(str(tmp_path / f"{name}.txt"), fvocab=str(tmp_path / f"{name}.vocab"))
        paths.append((tmp_path / f"{name}.txt", tmp_path / f"{name}.vocab"))
    return paths


def rank_warnings(record):
    return [w for w in record if "rank-based" in str(w.message)]


def test_merging_word2vec_files_without_counts_warns_once(word2vec_pair):
    (a, _), (b, _) = word2vec_pair
    models = [MergeableKeyedVectors.load_word2vec_format(str(p)) for p in (a, b)]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        merged = merge(models, names=["a", "b"], align=False)
    (warning,) = rank_warnings(record)
    assert warning.category is UserWarning and "\n" not in str(warning.message)
    assert "a, b" in str(warning.message) and "fvocab" in str(warning.message) and "--counts" in str(warning.message)
    # no input has real counts: the result's counts are stand-ins again (never sums of ranks), and say so
    assert looks_rank_based(merged.expandos["count"]) and merged.index_to_key[0] == "the"
    assert merged.merge_report.counts == {"a": "stand-in", "b": "stand-in"}
    assert merged.merge_report.stand_in_curve == "zipf" and merged.merge_report.estimated_counts == len(merged)
    assert "rank stand-ins" in str(merged.merge_report)


def test_merging_word2vec_files_with_their_vocabulary_files_does_not_warn(word2vec_pair):
    models = [MergeableKeyedVectors.load_word2vec_format(str(p), fvocab=str(v)) for p, v in word2vec_pair]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        merged = merge(models, names=["a", "b"], align=False)
    assert rank_warnings(record) == []
    assert merged.get_vecattr("the", "count") == 2083 + 2052


def test_counts_for_reads_a_vocabulary_file_and_names_what_it_lacks(word2vec_pair, tmp_path, rng):
    (a, a_vocab), _ = word2vec_pair
    kv = MergeableKeyedVectors.load_word2vec_format(str(a))
    assert counts_for(kv, a_vocab).tolist() == [2083, 1500, 40, 30]
    assert read_counts(a_vocab)["the"] == 2083
    with pytest.raises(GensimMergeError, match=r"no count for 1 of the model's 5 words \(e\.g\. \['sky'\]\)"):
        counts_for(make_kv(["the", "of", "cat", "tree", "sky"], 4, rng), a_vocab)
    bad = tmp_path / "bad.vocab"
    bad.write_text("the 12\ncat many\n")
    with pytest.raises(ModelFileError, match="line 2 reads b'cat many"):
        read_counts(bad)
    with pytest.raises(ModelFileError, match="no such counts file"):
        read_counts(tmp_path / "missing.vocab")


@pytest.fixture
def run_cli(run_main):
    """The shared in-process runner, its output as one ``captured`` object (``.out``, ``.err``)."""
    def call(*args):
        code, out, err = run_main(*args)
        return code, SimpleNamespace(out=out, err=err)

    return call


def test_cli_counts_give_the_true_combined_count(word2vec_pair, tmp_path, run_cli):
    (a, a_vocab), (b, b_vocab) = word2vec_pair
    out = tmp_path / "merged.kv"
    code, _ = run_cli("merge", a, b, "-o", out, "--no-align")
    assert code == 0 and looks_rank_based(MergeableKeyedVectors.load(str(out)).expandos["count"])  # no real counts
    code, captured = run_cli("merge", a, b, "-o", out, "--no-align", "--counts", a_vocab, b_vocab)
    assert code == 0, captured.err
    assert MergeableKeyedVectors.load(str(out)).get_vecattr("the", "count") == 2083 + 2052
    code, captured = run_cli("merge", a, b, "-o", out, "--no-align", "--counts", a_vocab, "-")
    merged = MergeableKeyedVectors.load(str(out))
    # a real count is never added to a rank stand-in: 'the' (in both) keeps a's real count
    assert code == 0 and merged.get_vecattr("the", "count") == 2083
    assert merged.merge_report.counts == {"a": "real", "b": "stand-in"}


@pytest.mark.parametrize("counts, match", [(["{a}"], "one vocabulary file per model"),
                                           (["{a}", "nope.vocab"], "nope.vocab")])
def test_cli_counts_are_checked_before_any_work(word2vec_pair, tmp_path, run_cli, counts, match):
    (a, a_vocab), (b, _) = word2vec_pair
    out = tmp_path / "never.kv"
    code, captured = run_cli("merge", a, b, "-o", out, "--counts", *[c.format(a=a_vocab) for c in counts])
    assert code != 0 and match in captured.err and not out.exists()


def test_cli_merge_feeds_a_progress_bar_above_100k_rows(tmp_path, run_cli, monkeypatch, rng):
    bars = []

    class Bar:
        def __init__(self, **kwargs):
            self.kwargs, self.n, self.closed = kwargs, 0, False
            bars.append(self)

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    monkeypatch.setattr(Console, "progress", lambda self, **kwargs: Bar(**kwargs))
    words = [f"w{i}" for i in range(60_000)]
    for name, keys in (("a", words), ("b", words[10_000:] + ["x"]), ("small", words[:100])):
        make_kv(keys, 2, rng).save_word2vec_format(str(tmp_path / f"{name}.bin"), binary=True)
    code, captured = run_cli("merge", tmp_path / "a.bin", tmp_path / "b.bin", "-o", tmp_path / "m.kv", "--no-align")
    assert code == 0, captured.err
    (bar,) = bars
    assert bar.kwargs["total"] == bar.n == 110_001 and bar.closed
    bars.clear()
    code, _ = run_cli("merge", tmp_path / "small.bin", tmp_path / "small.bin", "-o", tmp_path / "m.kv", "--no-align")
    assert code == 0 and bars == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from([f"k{i}" for i in range(30)] + [-1, -2]), unique=True, max_size=30),
                min_size=1, max_size=5))
def test_union_rows_is_the_one_union_in_first_seen_order(lists):
    keys, rows = _union.union_rows(lists)
    assert keys == list(dict.fromkeys(k for keys_i in lists for k in keys_i))  # -1 and -2 share a hash
    for keys_i, rows_i in zip(lists, rows):
        assert [keys[r] for r in rows_i] == keys_i


def test_cli_quiet_merge_still_reports_stand_in_counts(word2vec_pair, tmp_path, run_cli):
    (a, a_vocab), (b, _) = word2vec_pair
    out = tmp_path / "merged.kv"
    code, captured = run_cli("merge", a, b, "-o", out, "--no-align", "--counts", a_vocab, "-", "-q")
    assert code == 0 and captured.err == ""
    assert "stand-in" in captured.out and "frequency curve of 'a'" in captured.out
