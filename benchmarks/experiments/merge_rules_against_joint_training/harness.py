"""Shared set-up of the merge-rule experiments: cached models, the plain Procrustes fit, a scorer.

Loads the cached A / B / joint / floor models of benchmarks/fidelity.py, prepares the plain Procrustes
alignment of B onto A, and scores numpy-built candidates against the joint model with the library's
closeness(), for several group-sampling seeds, floor restricted to the candidate's vocabulary.
"""
import json
import time

import numpy as np
from gensim.models import KeyedVectors

import gensim_merge.evaluation as shared_space
from benchmarks import fidelity
from gensim_merge import evaluation

shared_space.check_pair = lambda model, reference: None  # allow 2d-dim candidates
GROUPS = ("A-only", "B-only", "shared", "overall")


def unit(X):
    X = np.asarray(X, dtype=np.float64)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


class Setup:
    def __init__(self, split="domains", n_anchors=5000):
        t = time.time()
        self.setup = fidelity.continuation_setup(split)
        self.split = split
        m = self.setup["models"]
        a, b = m["a"].wv, m["b"].wv
        self.a, self.b = a, b
        self.joint, self.floor = m["joint"].wv, m["floor"].wv
        self.groups = self.setup["groups"]
        keys = list(dict.fromkeys(a.index_to_key + b.index_to_key))
        self.keys = keys
        self.in_a = np.array([a.key_to_index.get(k, -1) for k in keys])
        self.in_b = np.array([b.key_to_index.get(k, -1) for k in keys])
        self.has_a, self.has_b = self.in_a >= 0, self.in_b >= 0
        self.only_a, self.only_b = ~self.has_b, ~self.has_a
        self.shared = self.has_a & self.has_b
        n = len(keys)
        self.count_a = np.zeros(n); self.count_a[self.has_a] = np.asarray(a.expandos["count"])[self.in_a[self.has_a]]
        self.count_b = np.zeros(n); self.count_b[self.has_b] = np.asarray(b.expandos["count"])[self.in_b[self.has_b]]
        d = a.vector_size
        self.d = d
        self.VA = np.zeros((n, d)); self.VA[self.has_a] = np.asarray(a.vectors, np.float64)[self.in_a[self.has_a]]
        self.VB = np.zeros((n, d)); self.VB[self.has_b] = np.asarray(b.vectors, np.float64)[self.in_b[self.has_b]]
        self.n_anchors = n_anchors
        self.anchor_rows = self.frequent_shared(n_anchors)
        self._floor_cache = {}
        print(f"setup {split}: {n} union words, {self.shared.sum()} shared, {time.time() - t:.1f}s", flush=True)

    def frequent_shared(self, n):
        rows = np.flatnonzero(self.shared)
        total = self.count_a[rows] + self.count_b[rows]
        return rows[np.argsort(-total, kind="stable")[:n]]

    def procrustes(self, XA, XB, rows=None, weights=None):
        """Orthogonal R with XB[rows] @ R ~ XA[rows] (unit rows), optional per-anchor weights."""
        rows = self.anchor_rows if rows is None else rows
        ua, ub = unit(XA[rows]), unit(XB[rows])
        if weights is not None:
            ub = ub * weights[:, None]
        u, _, vt = np.linalg.svd(ub.T @ ua)
        return u @ vt

    def kv(self, vectors, keys=None):
        keys = self.keys if keys is None else keys
        kv = KeyedVectors(vectors.shape[1], dtype=np.float32)
        kv.add_vectors(list(keys), np.asarray(vectors, dtype=np.float32))
        return kv

    def _floor_report(self, kv, seed):
        held = [w for w in self.joint.index_to_key if w in kv.key_to_index and w in self.floor.key_to_index]
        key = (len(held), hash(tuple(held)), seed)
        if key not in self._floor_cache:
            self._floor_cache[key] = self._eval(fidelity.restrict(self.floor, held), seed)
        return self._floor_cache[key]

    def _eval(self, kv, seed):
        return evaluation.closeness(kv, self.joint, groups=self.groups, topn=10, max_words_per_group=2000,
                                    n_pairs=20000, seed=seed)

    def score(self, vectors, name, seeds=(0, 1), log=None, keys=None):
        kv = vectors if isinstance(vectors, KeyedVectors) else self.kv(vectors, keys)
        out = {"variant": name, "split": self.split}
        t = time.time()
        for seed in seeds:
            rep, floor = self._eval(kv, seed), self._floor_report(kv, seed)
            ratio = {g: rep[g].nn_overlap / floor[g].nn_overlap for g in GROUPS}
            mean = np.mean([rep[g].nn_overlap for g in GROUPS[:3]]) / np.mean([floor[g].nn_overlap for g in GROUPS[:3]])
            out[f"seed{seed}"] = {**{g: round(ratio[g], 4) for g in GROUPS}, "mean": round(float(mean), 4),
                                  "rho": round(rep.overall.spearman, 4)}
        line = f"{self.split:7s} {name:34s} " + " | ".join(
            f"s{s}: " + " ".join(f"{out[f'seed{s}'][g]:.3f}" for g in ("A-only", "B-only", "shared", "mean"))
            + f" rho {out[f'seed{s}']['rho']:.3f}" for s in seeds) + f"  ({time.time() - t:.0f}s)"
        print(line, flush=True)
        if log:
            with open(log, "a") as f:
                f.write(json.dumps(out) + "\n")
        return out


def combine_units(S, ua, ub, wa, wb):
    """Count-weighted unit directions (lengths irrelevant to cosine scoring)."""
    out = np.zeros_like(ua)
    out += wa[:, None] * ua
    out += wb[:, None] * ub
    return out
