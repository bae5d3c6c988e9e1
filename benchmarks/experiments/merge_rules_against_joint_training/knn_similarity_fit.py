"""Idea 4: d-dim vectors for shared words fitted to reproduce the concatenation's similarities locally.

Usage: python -m benchmarks.experiments.merge_rules_against_joint_training.knn_similarity_fit SPLIT NAME[,NAME...]
(names: knn-K-M-lam-T[-mode], oracle-shared, ...)
"""
import sys
import time

import numpy as np

from benchmarks.experiments.merge_rules_against_joint_training.harness import Setup, unit
from benchmarks.experiments.merge_rules_against_joint_training.numpy_variants import V, blend, halves, share


def concat(S, ua, ub, sa, one=0.9):
    s = np.where(S.only_a, one, np.where(S.only_b, 1 - one, sa))
    fa = np.where(S.has_a[:, None], ua, ub)
    fb = np.where(S.has_b[:, None], ub, ua)
    return np.hstack([np.sqrt(s)[:, None] * fa, np.sqrt(1 - s)[:, None] * fb])


def topk(Q, X, k, exclude_rows=None, chunk=1024):
    """Indices and sims of the k largest Q @ X.T per row (excluding the query's own row)."""
    Q32, X32 = Q.astype(np.float32), X.astype(np.float32)
    idx = np.empty((len(Q), k), np.int64)
    sims = np.empty((len(Q), k), np.float32)
    for s in range(0, len(Q), chunk):
        M = Q32[s:s + chunk] @ X32.T
        if exclude_rows is not None:
            M[np.arange(M.shape[0]), exclude_rows[s:s + chunk]] = -np.inf
        part = np.argpartition(-M, k, axis=1)[:, :k]
        idx[s:s + chunk] = part
        sims[s:s + chunk] = np.take_along_axis(M, part, axis=1)
    return idx, sims


def knn_fit(S, K=20, M=20, lam=0.5, T=3, mode="union", seed=0, one=0.9, p=1.0, R=None):
    ua, ub = halves(S, R=R)
    sa = share(S, p)
    C = concat(S, ua, ub, sa, one)
    Y = unit(blend(S, ua, ub, sa))
    rows = np.flatnonzero(S.shared)
    t = time.time()
    nbr_c, _ = topk(C[rows], C, K, exclude_rows=rows)
    if mode == "union":
        nbr_b, _ = topk(Y[rows], Y, K, exclude_rows=rows)
        nbrs = [nbr_c, nbr_b]
    else:
        nbrs = [nbr_c]
    rng = np.random.default_rng(seed)
    if M:
        nbrs.append(rng.integers(0, len(S.keys), size=(len(rows), M)))
    N = np.hstack(nbrs)  # (n_shared, L) with possible duplicates (harmless: double weight)
    target = np.matmul(C[N], C[rows][:, :, None])[..., 0]
    print(f"  knn graph {N.shape} in {time.time() - t:.0f}s", flush=True)
    d = Y.shape[1]
    eye = np.eye(d)
    for it in range(T):
        new = np.empty((len(rows), d))
        for s in range(0, len(rows), 1024):
            Yn = Y[N[s:s + 1024]]  # (b, L, d)
            A = np.matmul(Yn.transpose(0, 2, 1), Yn) + lam * eye
            rhs = np.matmul(target[s:s + 1024][:, None, :], Yn)[:, 0] + lam * Y[rows[s:s + 1024]]
            new[s:s + 1024] = np.linalg.solve(A, rhs[..., None])[..., 0]
        fit = np.matmul(Y[N], new[:, :, None])[..., 0]
        Y[rows] = unit(new)
        print(f"  iter {it}: rms err {np.sqrt(np.mean((fit - target) ** 2)):.4f}", flush=True)
    return Y


def parse(name):
    parts = name.split("-")
    K, M, lam, T = int(parts[1]), int(parts[2]), float(parts[3]), int(parts[4])
    mode = parts[5] if len(parts) > 5 else "union"
    return {"K": K, "M": M, "lam": lam, "T": T, "mode": mode}


def oracle_shared(S):
    """Upper bound for one-corpus words: shared words take the joint model's vectors (rotated onto A)."""
    ua, ub = halves(S)
    Y = unit(blend(S, ua, ub, share(S)))
    J = np.zeros_like(Y)
    jrows = np.array([S.joint.key_to_index.get(k, -1) for k in S.keys])
    ok = S.shared & (jrows >= 0)
    J[ok] = np.asarray(S.joint.vectors, np.float64)[jrows[ok]]
    R = S.procrustes(Y, J)  # J @ R ~ Y on frequent shared anchors
    Y[ok] = unit(J[ok] @ R)
    return Y


def oracle_all(S):
    """Everything from the joint model, words outside the joint vocabulary from the base merge."""
    ua, ub = halves(S)
    Y = unit(blend(S, ua, ub, share(S)))
    J = np.zeros_like(Y)
    jrows = np.array([S.joint.key_to_index.get(k, -1) for k in S.keys])
    ok = jrows >= 0
    J[ok] = np.asarray(S.joint.vectors, np.float64)[jrows[ok]]
    R = S.procrustes(Y, J)
    Y[ok] = unit(J[ok] @ R)
    return Y


if __name__ == "__main__":
    split = sys.argv[1]
    seeds = tuple(int(s) for s in sys.argv[3].split(",")) if len(sys.argv) > 3 else (0, 1)
    S = Setup(split)
    for name in sys.argv[2].split(","):
        if name.startswith("libR-knn-"):
            from gensim_merge import MergeableKeyedVectors as M

            R = (
                M.from_keyed_vectors(S.b, copy=False)
                .alignment_to(M.from_keyed_vectors(S.a, copy=False), center=True)
                .matrix
            )
            vec = knn_fit(S, R=R, **parse(name[5:]))
        elif name.startswith("knn-"):
            vec = knn_fit(S, **parse(name))
        elif name == "oracle-shared":
            vec = oracle_shared(S)
        elif name == "oracle-all":
            vec = oracle_all(S)
        else:
            vec = V[name](S)
        S.score(vec, name, seeds=seeds, log=f"benchmarks/results/merge_rules_second_round_{split}.jsonl")
