"""Merging N models: does aligning every input jointly (orthogonal generalised Procrustes, iterated to the
common mean of the anchors all inputs share) beat aligning each input onto the reference?

Three inputs: A = tech, B1 / B2 = the even and odd lines of general (the models fidelity.py caches for
``--halves``), scored against the domains joint model (tech + general) as in fidelity.py, for two
group-sampling seeds. Also the two-model case, where GPA can only turn the whole space (a check).

Needs the cached models of ``python -m benchmarks.fidelity`` and ``python -m benchmarks.fidelity --halves``.
Usage (repository root): ``python -m benchmarks.experiments.joint_alignment_of_three_models.gpa_versus_reference``;
output: one line per variant, ratios to the
noise floor per word group for seed 0 | seed 1.
"""
import os
import time

import numpy as np

from benchmarks import fidelity
from gensim_merge import MergeableKeyedVectors, merge
from gensim_merge.evaluation import closeness

HERE = os.path.dirname(os.path.abspath(__file__))  # benchmarks/experiments/<topic>/

setup = fidelity.continuation_setup("domains")
m = setup["models"]
joint, floor, groups = m["joint"].wv, m["floor"].wv, setup["groups"]
A = MergeableKeyedVectors.from_word2vec(m["a"])
halves = fidelity.continuation_setup("halves")["models"]  # general, even and odd lines
B1 = MergeableKeyedVectors.from_word2vec(halves["a"])
B2 = MergeableKeyedVectors.from_word2vec(halves["b"])


def score(kv, name):
    held = [w for w in joint.index_to_key if w in kv.key_to_index and w in floor.key_to_index]
    out = []
    for seed in (0, 1):
        rep = closeness(kv, joint, groups=groups, topn=10, max_words_per_group=2000, n_pairs=20000, seed=seed)
        fl = closeness(fidelity.restrict(floor, held), joint, groups=groups, topn=10, max_words_per_group=2000,
                       n_pairs=20000, seed=seed)
        r = [rep[g].nn_overlap / fl[g].nn_overlap for g in ("A-only", "B-only", "shared")]
        out.append(r + [np.mean(r), rep.overall.spearman])
    print(f"{name:40s} " + " | ".join(
        "A {:.3f} B {:.3f} sh {:.3f} mean {:.3f} rho {:.3f}".format(*o) for o in out), flush=True)


def unit(X):
    X = np.asarray(X, dtype=np.float64)
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def gpa(kvs, n_anchors=5000, iters=20):
    """Rotate every model onto the common mean of the anchors shared by all (orthogonal GPA)."""
    common = [w for w in kvs[0].index_to_key if all(w in kv.key_to_index for kv in kvs[1:])]
    ranks = {w: max(kv.key_to_index[w] for kv in kvs) for w in common}
    anchors = sorted(common, key=lambda w: ranks[w])[:n_anchors]
    X = [unit(kv[anchors]) for kv in kvs]
    R = [np.eye(kvs[0].vector_size) for _ in kvs]
    for it in range(iters):
        mean = np.mean([x @ r for x, r in zip(X, R)], axis=0)
        newR = []
        for x in X:
            u, _, vt = np.linalg.svd(x.T @ mean)
            newR.append(u @ vt)
        change = max(np.linalg.norm(a - b) for a, b in zip(R, newR))
        R = newR
        if change < 1e-8:
            break
    back = R[0].T  # express everything in the first model's frame (cosines unchanged)
    out = []
    for kv, r in zip(kvs, R):
        new = kv._with_vectors((kv.vectors.astype(np.float64) @ (r @ back)).astype(np.float32))
        out.append(new)
    print(f"  GPA: {len(anchors)} anchors, {it + 1} iterations", flush=True)
    return out


t = time.time()
score(merge([A, B1, B2], names=["A", "B1", "B2"]), "merge A,B1,B2 (reference A)")
score(merge([B1, A, B2], names=["B1", "A", "B2"]), "merge B1,A,B2 (reference B1)")
aligned = gpa([A, B1, B2])
score(merge(aligned, names=["A", "B1", "B2"], align=False), "GPA then merge (no further alignment)")
# two models: GPA equals pairwise (check)
B = MergeableKeyedVectors.from_word2vec(m["b"])
score(merge([A, B], names=["A", "B"]), "merge A,B (2 models, reference)")
score(merge(gpa([A, B]), names=["A", "B"], align=False), "GPA A,B then merge")
print(f"{time.time() - t:.0f}s")
