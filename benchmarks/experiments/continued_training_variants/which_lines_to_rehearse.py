"""Rehearsal variants: which 10 % of A to rehearse, and rehearsal + freeze of old words in epoch 1."""
import sys
import time

import numpy as np

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import record, setup
from gensim_merge.continuation import continue_training

kind = sys.argv[1]
variants = sys.argv[2].split(",")
s = setup(kind)
A = s["corpus_a"] if isinstance(s["corpus_a"], list) else list(s["corpus_a"])
aonly = set(s["groups"]["A-only"])
every10 = A[::10]
has = np.array([sum(w in aonly for w in l) for l in A])
sel = [A[i] for i in np.sort(np.argsort(-has, kind="stable")[: len(A) // 10])]
lens = np.array([len(l) for l in A]); budget = 0.0984 * lens.sum()


def by(score):
    order = np.argsort(-score, kind="stable"); keep = order[np.cumsum(lens[order]) <= budget]
    return [A[i] for i in np.sort(keep)]


density = by(has / np.maximum(lens, 1)); count10 = by(has.astype(float))
every4 = A[::4]
for v in variants:
    t = time.time()
    reh = {"r10": every10, "r10sel": sel, "density": density, "count10": count10, "every4": every4}[v]
    res = continue_training(s["source"], s["corpus_b"], rehearsal=reh)
    record(kind, "which_lines_to_rehearse: " + v, fidelity.score(res.model.wv, s), time.time() - t)
