"""Merge variants built with numpy.

Usage: python -m benchmarks.experiments.merge_rules_against_joint_training.numpy_variants SPLIT NAME[,NAME...]

Every variant returns a (n_union, dims) array in the harness's key order; scored with seeds 0 and 1.
"""
import sys

import numpy as np

from benchmarks.experiments.merge_rules_against_joint_training.harness import Setup, unit

V = {}


def variant(name):
    def deco(f):
        V[name] = f
        return f
    return deco


def halves(S, XA=None, XB=None, R=None, weights=None, rows=None):
    XA = S.VA if XA is None else XA
    XB = S.VB if XB is None else XB
    R = S.procrustes(XA, XB, rows=rows, weights=weights) if R is None else R
    ua, ub = unit(XA), unit(XB @ R)
    ua[~S.has_a] = 0
    ub[~S.has_b] = 0
    return ua, ub


def blend(S, ua, ub, sa):
    """sa: weight of A per word (one-corpus words take their own vector)."""
    sa = np.where(S.only_a, 1.0, np.where(S.only_b, 0.0, sa))
    return sa[:, None] * ua + (1 - sa)[:, None] * ub


def share(S, p=1.0):
    ca, cb = S.count_a ** p, S.count_b ** p
    return np.divide(ca, ca + cb, out=np.zeros_like(ca), where=(ca + cb) > 0)


@variant("base")
def base(S):
    ua, ub = halves(S)
    return blend(S, ua, ub, share(S))


# ---- idea 1: all-but-the-top


def abtt(X, has, D):
    Y = X.copy()
    mu = X[has].mean(axis=0)
    Y[has] -= mu
    if D:
        _, _, vt = np.linalg.svd(Y[has], full_matrices=False)
        P = vt[:D]
        Y[has] -= (Y[has] @ P.T) @ P
    return Y


for D in (0, 1, 2, 3, 5):
    def _f(S, D=D):
        XA, XB = abtt(S.VA, S.has_a, D), abtt(S.VB, S.has_b, D)
        ua, ub = halves(S, XA, XB)
        return blend(S, ua, ub, share(S))
    V[f"abtt-{D}"] = _f

    def _g(S, D=D):  # ABTT on unit vectors (the scale-free version)
        XA, XB = abtt(unit(S.VA), S.has_a, D), abtt(unit(S.VB), S.has_b, D)
        ua, ub = halves(S, XA, XB)
        return blend(S, ua, ub, share(S))
    V[f"abtt-unit-{D}"] = _g


# ---- idea 2: weighted Procrustes


def _anchor_weights(S, rows, kind):
    m = np.minimum(S.count_a[rows], S.count_b[rows])
    return {"min": m, "sqrt": np.sqrt(m), "log": np.log1p(m)}[kind]


for n in (5000, 11000):
    for kind in ("min", "sqrt", "log"):
        def _f(S, n=n, kind=kind):
            rows = S.frequent_shared(n)
            w = _anchor_weights(S, rows, kind)
            ua, ub = halves(S, rows=rows, weights=w)
            return blend(S, ua, ub, share(S))
        V[f"wproc-{kind}-{n}"] = _f
for n in (1000, 2000, 11000):
    def _f(S, n=n):
        ua, ub = halves(S, rows=S.frequent_shared(n))
        return blend(S, ua, ub, share(S))
    V[f"proc-{n}"] = _f


# ---- idea 3: smarter shared-word combination

for p in (1.5, 2.0, 3.0, 4.0):
    def _f(S, p=p):
        ua, ub = halves(S)
        return blend(S, ua, ub, share(S, p))
    V[f"power-{p}"] = _f

for t in (0.2, 0.3, 0.4, 0.5):
    def _f(S, t=t):  # disagreeing words take the majority model's vector
        ua, ub = halves(S)
        sa = share(S)
        cos = (ua * ub).sum(axis=1)
        sa = np.where(S.shared & (cos < t), (sa > 0.5).astype(float), sa)
        return blend(S, ua, ub, sa)
    V[f"agree-{t}"] = _f

for g in (2.0, 4.0):
    def _f(S, g=g):  # continuous: power rises as agreement falls: p = 1 + g * (1 - cos)
        ua, ub = halves(S)
        cos = np.clip((ua * ub).sum(axis=1), -1, 1)
        p = 1 + g * (1 - cos)
        ca, cb = np.maximum(S.count_a, 1), np.maximum(S.count_b, 1)
        la, lb = p * np.log(ca), p * np.log(cb)
        sa = 1 / (1 + np.exp(lb - la))
        return blend(S, ua, ub, sa)
    V[f"agree-power-{g}"] = _f


for D in (0, 1):  # whitened combination: whiten each model (ZCA on unit vectors), combine, keep whitened
    def _f(S, D=D):
        def white(X, has):
            Y = unit(X)
            mu = Y[has].mean(axis=0)
            Y[has] -= mu
            C = Y[has].T @ Y[has] / has.sum()
            w, E = np.linalg.eigh(C)
            W = E @ np.diag(1 / np.sqrt(w + 1e-3 * w.max())) @ E.T
            Y[has] = Y[has] @ W
            Y[~has] = 0
            return Y
        ua, ub = halves(S, white(S.VA, S.has_a), white(S.VB, S.has_b))
        return blend(S, ua, ub, share(S))
    V[f"whiten-{D}"] = _f


# ---- centring, kept only where it is used (rotation fit / shared combination), the mean restored


def _scaled(S):
    XA = S.VA / np.linalg.norm(S.VA[S.has_a], axis=1).mean()
    XB = S.VB / np.linalg.norm(S.VB[S.has_b], axis=1).mean()
    return XA, XB, XA[S.has_a].mean(axis=0), XB[S.has_b].mean(axis=0)


@variant("cfit")
def cfit(S):
    XA, XB, ma, mb = _scaled(S)
    R = S.procrustes(XA - ma, XB - mb)
    ua, ub = halves(S, R=R)
    return blend(S, ua, ub, share(S))


for bmode in ("affine", "rot"):
    for comb in ("raw", "unit"):
        def _f(S, bmode=bmode, comb=comb):
            XA, XB, ma, mb = _scaled(S)
            R = S.procrustes(XA - ma, XB - mb)
            ca, cb = XA - ma, (XB - mb) @ R
            if comb == "unit":
                ca, cb = unit(ca), unit(cb)
            sa = share(S)
            out = unit(XA)
            sh = S.shared
            out[sh] = unit(sa[sh, None] * ca[sh] + (1 - sa[sh, None]) * cb[sh] + ma)
            if bmode == "affine":
                out[S.only_b] = unit((XB[S.only_b] - mb) @ R + ma)
            else:
                out[S.only_b] = unit(XB[S.only_b] @ S.procrustes(XA, XB))
            return out
        V[f"crest-{bmode}-{comb}"] = _f


for n in (300, 500):
    def _f(S, n=n):
        ua, ub = halves(S, rows=S.frequent_shared(n))
        return blend(S, ua, ub, share(S))
    V[f"proc-{n}"] = _f
for n in (1000, 2000):
    def _f(S, n=n):
        rows = S.frequent_shared(n)
        ua, ub = halves(S, rows=rows, weights=_anchor_weights(S, rows, "min"))
        return blend(S, ua, ub, share(S))
    V[f"wproc-min-{n}"] = _f


def _concat(S, ua, ub, sa, one=0.9):
    s = np.where(S.only_a, one, np.where(S.only_b, 1 - one, sa))
    fa = np.where(S.has_a[:, None], ua, ub)
    fb = np.where(S.has_b[:, None], ub, ua)
    return np.hstack([np.sqrt(s)[:, None] * fa, np.sqrt(1 - s)[:, None] * fb])


for fit in ("all", "shared"):
    def _f(S, fit=fit):
        """Shared words: the concatenation reduced by PCA; one-corpus words: their own unit vectors turned
        into the PCA space by an orthogonal map fitted on the shared words (no projection loss)."""
        ua, ub = halves(S)
        sa = share(S)
        C = _concat(S, ua, ub, sa)
        rows = S.shared if fit == "shared" else np.ones(len(C), bool)
        _, ev = np.linalg.eigh(C[rows].T @ C[rows])
        P = ev[:, ::-1][:, :S.d]
        Z = C @ P
        base = unit(blend(S, ua, ub, sa))
        anchors = S.frequent_shared(5000)
        u, _, vt = np.linalg.svd(base[anchors].T @ unit(Z[anchors]))
        out = base @ (u @ vt)
        out[S.shared] = Z[S.shared]
        return out
    V[f"pca-hybrid-{fit}"] = _f


def cfit_R(S, n=5000, mode="scaled", weights=None):
    rows = S.frequent_shared(n)
    if mode == "scaled":
        XA, XB, ma, mb = _scaled(S)
    elif mode == "unit":  # centre the unit vectors
        XA, XB = unit(S.VA), unit(S.VB)
        ma, mb = XA[S.has_a].mean(axis=0), XB[S.has_b].mean(axis=0)
    elif mode == "anchors":  # centre on the anchors' own mean (unit vectors)
        XA, XB = unit(S.VA), unit(S.VB)
        ma, mb = XA[rows].mean(axis=0), XB[rows].mean(axis=0)
    w = None if weights is None else _anchor_weights(S, rows, weights)
    return S.procrustes(XA - ma, XB - mb, rows=rows, weights=w)


for mode in ("unit", "anchors"):
    def _f(S, mode=mode):
        ua, ub = halves(S, R=cfit_R(S, mode=mode))
        return blend(S, ua, ub, share(S))
    V[f"cfit-{mode}"] = _f
for n in (1000, 2000, 11000):
    def _f(S, n=n):
        ua, ub = halves(S, R=cfit_R(S, n=n))
        return blend(S, ua, ub, share(S))
    V[f"cfit-n{n}"] = _f
for p in (1.5, 2.0):
    def _f(S, p=p):
        ua, ub = halves(S, R=cfit_R(S))
        return blend(S, ua, ub, share(S, p))
    V[f"cfit-power-{p}"] = _f


@variant("cfit-concat")
def cfit_concat(S):
    ua, ub = halves(S, R=cfit_R(S))
    return _concat(S, ua, ub, share(S))


@variant("cfit-wmin")
def cfit_wmin(S):
    ua, ub = halves(S, R=cfit_R(S, weights="min"))
    return blend(S, ua, ub, share(S))


for gamma in (0.25, 0.5, 0.75):
    def _f(S, gamma=gamma):  # partial centring of the fit
        XA, XB, ma, mb = _scaled(S)
        R = S.procrustes(XA - gamma * ma, XB - gamma * mb)
        ua, ub = halves(S, R=R)
        return blend(S, ua, ub, share(S))
    V[f"cfit-g{gamma}"] = _f


if __name__ == "__main__":
    split = sys.argv[1]
    names = sys.argv[2].split(",")
    seeds = tuple(int(s) for s in sys.argv[3].split(",")) if len(sys.argv) > 3 else (0, 1)
    S = Setup(split)
    for name in names:
        S.score(V[name](S), name, seeds=seeds, log=f"benchmarks/results/merge_rules_second_round_{split}.jsonl")
