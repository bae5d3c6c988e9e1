"""Shared fixtures: a seeded generator, toy models built inline, random rotations."""

import logging

import numpy as np
import pytest

from gensim_merge import MergeableKeyedVectors, cli


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def make_kv(words, dim, rng, *, counts=None, cls=MergeableKeyedVectors, dtype=np.float32):
    """A model holding `words` with random vectors (and `counts` as the ``count`` attribute)."""
    kv = cls(dim, dtype=dtype)
    kv.add_vectors(list(words), rng.normal(size=(len(words), dim)).astype(dtype))
    if counts is not None:
        kv.expandos["count"] = np.asarray(counts, dtype=np.int64)
    return kv


def random_orthogonal(dim, rng):
    """A uniformly random orthogonal matrix (QR with sign correction)."""
    q, r = np.linalg.qr(rng.normal(size=(dim, dim)))
    return q * np.sign(np.diag(r))


def merged_and_aligned(rng, *, n_words, dim):
    """A merged, aligned model: provenance, counts, sources, a merge report, an alignment, lifecycle events."""
    words = [f"w{i}" for i in range(n_words)]
    a = make_kv(words, dim, rng, counts=np.arange(10 * n_words, 0, -10))
    b = rotated_copy(a, random_orthogonal(dim, rng))
    b.add_vectors(["only_b"], rng.normal(size=(1, dim)).astype(np.float32), extras={"count": np.array([5])})
    merged = a.merge_with(b, names=["a", "b"], align_options={"anchor_min_count": 0})
    aligned = merged.align_to(a, anchor_min_count=0)
    aligned.merge_report = merged.merge_report
    return aligned


def rotated_copy(kv, rotation, *, scale=1.0, shift=0.0):
    """A copy of `kv` whose vectors are turned by `rotation` (then scaled and shifted)."""
    copy = MergeableKeyedVectors.from_keyed_vectors(kv)
    copy.vectors = ((kv.vectors.astype(np.float64) @ rotation) * scale + shift).astype(kv.vectors.dtype)
    return copy


@pytest.fixture
def run_main(capsys):
    """Call cli.main in-process; restore the logging set-up it changes afterwards."""
    root = logging.getLogger()
    saved = (root.level, [(h, h.level, h.formatter) for h in root.handlers])

    def call(*args):
        code = cli.main([str(a) for a in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    yield call
    logging.captureWarnings(False)
    root.setLevel(saved[0])
    for handler, level, formatter in saved[1]:
        handler.setLevel(level)
        handler.setFormatter(formatter)
