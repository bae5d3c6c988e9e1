"""Idea 3b: move A-only words by a local displacement field of their nearby shared words (post-hoc)."""
import copy
import sys

import numpy as np
from gensim.models import Word2Vec

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import model_path, record, setup

kind = sys.argv[1]
settings = [tuple(float(x) for x in a.split(":")) for a in sys.argv[2].split(",")]  # k:lam:temp
s = setup(kind)
plain = Word2Vec.load(model_path(f"plain_{kind}.model"))
a = s["source"].wv


def unit(M):
    return M / np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-9)


kv0 = plain.wv
keys = kv0.index_to_key
cnt_new = kv0.expandos["count"]
old_idx = np.array([a.key_to_index.get(k, -1) for k in keys])
old = old_idx >= 0
old_cnt = np.zeros(len(keys), dtype=np.int64); old_cnt[old] = a.expandos["count"][old_idx[old]]
new_cnt = cnt_new - old_cnt
a_only = np.flatnonzero(old & (new_cnt == 0)); shared = np.flatnonzero(old & (new_cnt > 0))
Vold = np.zeros_like(kv0.vectors); Vold[old] = a.vectors[old_idx[old]]
Uo, Un = unit(Vold), unit(kv0.vectors)
D = Un[shared] - Uo[shared]          # displacement of shared words (unit space)
print(len(a_only), "A-only rows,", len(shared), "shared", flush=True)
for k, lam, temp in settings:
    k = int(k)
    out = Un.copy()
    for lo in range(0, len(a_only), 2000):
        rows = a_only[lo:lo + 2000]
        S = Uo[rows] @ Uo[shared].T
        top = np.argpartition(-S, k, axis=1)[:, :k]
        sims = np.take_along_axis(S, top, 1)
        w = np.exp((sims - sims.max(1, keepdims=True)) / temp) if temp > 0 else np.ones_like(sims)
        w /= w.sum(1, keepdims=True)
        disp = np.einsum("rk,rkd->rd", w, D[top])
        out[rows] = unit(Uo[rows] + lam * disp)
    kv = copy.deepcopy(kv0); kv.vectors = out.astype(np.float32); kv.norms = None
    record(
        kind,
        f"move_a_only_words_with_neighbours: plain + A-only displacement field k={k} lam={lam} temp={temp}",
        fidelity.score(kv, s),
        0,
    )
