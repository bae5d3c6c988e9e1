"""Idea 3 and combinations: per-epoch control of the output layer / per-word rates."""
import copy
import logging
import sys
import time

import numpy as np

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import record, setup

logging.basicConfig(level=logging.WARNING)
kind = sys.argv[1]
variants = sys.argv[2].split(",")
s = setup(kind)
REAL = np.float32
src = s["source"]


def run(v, corpus):
    m = copy.deepcopy(src)
    m.build_vocab(corpus, update=True)
    keys = m.wv.index_to_key
    old_idx = np.array([src.wv.key_to_index.get(k, -1) for k in keys])
    old = old_idx >= 0
    cnt = m.wv.expandos["count"].astype(float)
    old_cnt = np.zeros(len(keys)); old_cnt[old] = src.wv.expandos["count"][old_idx[old]]
    new_cnt = cnt - old_cnt
    a_only = old & (new_cnt == 0)
    shared = old & (new_cnt > 0)
    old_out = np.zeros_like(m.syn1neg); old_out[old] = src.syn1neg[old_idx[old]]
    A0, A1 = m.alpha, m.min_alpha
    sch = np.linspace(A0, A1, 6)
    opts = dict(v.split("+")[i].split("=") if "=" in v.split("+")[i] else (v.split("+")[i], "1")
                for i in range(len(v.split("+"))))
    for e in range(5):
        lock = np.ones(len(keys))
        if "freeze1" in opts and e == 0:
            lock[old] = 0.0
        if "oldlr" in opts:
            lock[shared] *= float(opts["oldlr"])
        if "evid" in opts:
            lock[shared] *= (new_cnt / cnt)[shared]
        m.wv.vectors_lockf = lock.astype(REAL)
        m.train(corpus, total_examples=m.corpus_count, epochs=1, start_alpha=sch[e], end_alpha=sch[e + 1])
        if "keepAout" in opts:     # A-only output rows: undo the negative-only pushes
            m.syn1neg[a_only] = old_out[a_only]
        if "holdout" in opts:      # shared output rows pulled back towards A by old share * strength
            w = (float(opts["holdout"]) * old_cnt / cnt)[shared][:, None]
            m.syn1neg[shared] = (w * old_out[shared] + (1 - w) * m.syn1neg[shared]).astype(REAL)
    m.wv.vectors_lockf = np.ones(1, REAL)
    return m


for v in variants:
    t = time.time()
    m = run(v, s["corpus_b"])
    record(kind, "output_layer_and_per_word_rates: " + v, fidelity.score(m.wv, s), time.time() - t)
