"""Idea 3c: 'dream' rehearsal: pseudo-windows sampled from the A model (no A data), mixed into B."""
import copy
import os
import sys
import time

import numpy as np

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import record, setup

kind = sys.argv[1]
variants = sys.argv[2].split(",")
s = setup(kind)
REAL = np.float32
B = s["corpus_b"]
src = s["source"]
aonly_set = set(s["groups"]["A-only"])
keysA = src.wv.index_to_key
cntA = src.wv.expandos["count"].astype(np.float64)
V, U = src.wv.vectors.astype(np.float64), src.syn1neg.astype(np.float64)
totA = cntA.sum()


CTX = int(os.environ.get("CTX", "4"))


def dream(frac, only_aonly, ctx=CTX, seed=0, temp=1.0):
    rng = np.random.default_rng(seed)
    n_win = frac * totA / (ctx + 1)
    if only_aonly == "shared":
        mask = np.array([k not in aonly_set for k in keysA])
    else:
        mask = np.array([k in aonly_set for k in keysA]) if only_aonly else np.ones(len(keysA), bool)
    w = cntA * mask
    per = rng.poisson(w / w.sum() * n_win)                 # windows per target word
    targets = np.flatnonzero(per)
    logc = np.log(cntA)
    lines = []
    for lo in range(0, len(targets), 500):
        T = targets[lo:lo + 500]
        S = (U[T] @ V.T) / temp + logc
        S -= S.max(1, keepdims=True)
        P = np.exp(S); P /= P.sum(1, keepdims=True)
        cdf = np.cumsum(P, 1); cdf[:, -1] = 1.0
        for r, t in enumerate(T):
            draws = np.searchsorted(cdf[r], rng.random(per[t] * ctx))
            draws = draws.reshape(per[t], ctx)
            for d in draws:
                toks = [keysA[i] for i in d]
                lines.append(toks[:ctx // 2] + [keysA[t]] + toks[ctx // 2:])
    order = rng.permutation(len(lines))
    return [lines[i] for i in order]


class Mix:
    def __init__(self, b, r, ratio): self.b, self.r, self.ratio = b, r, ratio

    def __iter__(self):
        it = iter(self.r)
        for i, l in enumerate(self.b):
            yield l
            if (i + 1) % self.ratio == 0:
                for _ in range(self.ratio_r):
                    nxt = next(it, None)
                    if nxt is not None: yield nxt


nb = sum(1 for _ in B)
for v in variants:
    freeze = v.endswith("-fA"); v0 = v[:-3] if freeze else v
    temp = 1.0
    if "@" in v0: v0, temp = v0.split("@"); temp = float(temp)
    name, frac, only = {
        "dream20": ("dream20", 0.2, False),
        "dreamS10": ("dreamS10", 0.1, "shared"),
        "dreamS20": ("dreamS20", 0.2, "shared"),
        "dream10": ("dream10", 0.1, False),
        "dream50": ("dream50", 0.5, False),
        "dreamA10": ("dreamA10", 0.1, True),
        "dreamA30": ("dreamA30", 0.3, True),
    }[v0]
    name = v
    t = time.time()
    D = dream(frac, only, temp=temp)
    t_gen = time.time() - t
    m = copy.deepcopy(src)
    m.build_vocab(B, update=True)
    if freeze:
        keys = m.wv.index_to_key
        old_idx = np.array([src.wv.key_to_index.get(k, -1) for k in keys]); old = old_idx >= 0
        old_cnt = np.zeros(len(keys)); old_cnt[old] = cntA[old_idx[old]]
        new_cnt = m.wv.expandos["count"] - old_cnt
        m.wv.vectors_lockf = np.where(old & (new_cnt == 0), 0.0, 1.0).astype(REAL)
    mix = Mix(B, D, 1); mix.ratio_r = int(np.ceil(len(D) / nb)) if len(D) > nb else 1
    if len(D) <= nb: mix.ratio = max(1, nb // len(D))
    m.train(mix, total_examples=nb + len(D), epochs=m.epochs, start_alpha=m.alpha, end_alpha=m.min_alpha)
    m.wv.vectors_lockf = np.ones(1, REAL)
    record(
        kind,
        f"pseudo_rehearsal_from_the_a_model: {name} ({len(D)} pseudo-windows)",
        fidelity.score(m.wv, s),
        time.time() - t,
        {"t_gen": round(t_gen, 1), "t_train": round(time.time() - t - t_gen, 1)},
    )
