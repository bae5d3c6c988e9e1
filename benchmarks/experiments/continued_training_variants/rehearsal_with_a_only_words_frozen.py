"""Rehearsal (every 10th line of A) with A-only input vectors frozen (lockf 0), everything else free."""
import copy
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


class Every:
    def __init__(self, c, step): self.c, self.step = c, step

    def __iter__(self):
        for i, l in enumerate(self.c):
            if i % self.step == 0: yield l


class Mix:
    """B lines with one rehearsal line after every `ratio` B lines."""
    def __init__(self, b, r, ratio): self.b, self.r, self.ratio = b, r, ratio

    def __iter__(self):
        it = iter(self.r)
        for i, l in enumerate(self.b):
            yield l
            if (i + 1) % self.ratio == 0:
                nxt = next(it, None)
                if nxt is not None: yield nxt


R = Every(s["corpus_a"], 10)
nb = sum(1 for _ in B); nr = sum(1 for _ in R)
ratio = max(1, round(nb / nr))
for v in variants:
    t = time.time()
    if v == "evidence":  # lock="evidence" left the library: REMOVED_OPTIONS.md
        raise SystemExit("variant 'evidence' needs the removed lock option; see REMOVED_OPTIONS.md")
    src = s["source"]; m = copy.deepcopy(src)
    m.build_vocab(B, update=True)
    keys = m.wv.index_to_key
    old_idx = np.array([src.wv.key_to_index.get(k, -1) for k in keys]); old = old_idx >= 0
    old_cnt = np.zeros(len(keys)); old_cnt[old] = src.wv.expandos["count"][old_idx[old]]
    new_cnt = m.wv.expandos["count"] - old_cnt
    lock = np.ones(len(keys), REAL)
    if v == "freezeAonly":
        lock[old & (new_cnt == 0)] = 0
    m.wv.vectors_lockf = lock
    m.train(Mix(B, R, ratio), total_examples=nb + nr, epochs=m.epochs, start_alpha=m.alpha, end_alpha=m.min_alpha)
    m.wv.vectors_lockf = np.ones(1, REAL)
    record(kind, "rehearsal_with_a_only_words_frozen: rehearsal10 " + v, fidelity.score(m.wv, s), time.time() - t)
