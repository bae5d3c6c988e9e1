"""Idea 2: two-phase continuation (old words frozen for a phase), per-word lr for old vs new words."""
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


def prepared(source, corpus):
    m = copy.deepcopy(source)
    m.build_vocab(corpus, update=True)
    old = np.array([k in source.wv.key_to_index for k in m.wv.index_to_key])
    return m, old


def tr(m, corpus, epochs, a0, a1, lockf=None):
    m.wv.vectors_lockf = np.ones(1, REAL) if lockf is None else lockf.astype(REAL)
    m.train(corpus, total_examples=len_corpus, epochs=epochs, start_alpha=a0, end_alpha=a1)
    m.wv.vectors_lockf = np.ones(1, REAL)


def run(v, m, old, corpus):
    A0, A1 = m.alpha, m.min_alpha
    frozen = np.where(old, 0.0, 1.0)
    if v == "plain":
        tr(m, corpus, 5, A0, A1)
    elif v == "freeze1":        # 1 epoch old frozen (constant alpha), then 5 free: 1.2x
        tr(m, corpus, 1, A0, A0, frozen); tr(m, corpus, 5, A0, A1)
    elif v == "freeze1in5":     # epoch 1 of the usual 5 frozen, epochs 2-5 free: 1.0x
        sch = np.linspace(A0, A1, 6)
        tr(m, corpus, 1, sch[0], sch[1], frozen); tr(m, corpus, 4, sch[1], A1)
    elif v == "free5freeze1":   # reverse: 5 free then 1 epoch with old frozen (small alpha)
        tr(m, corpus, 5, A0, A1); tr(m, corpus, 1, A0 * 0.2, A1, frozen)
    elif v == "free5newonly1":  # same with full alpha in the last epoch
        tr(m, corpus, 5, A0, A1); tr(m, corpus, 1, A0, A1, frozen)
    elif v.startswith("oldlr"):  # oldlr0.5: old words at half rate
        f = float(v[5:]); tr(m, corpus, 5, A0, A1, np.where(old, f, 1.0))
    elif v.startswith("newlr"):  # newlr2: new words at double rate
        f = float(v[5:]); tr(m, corpus, 5, A0, A1, np.where(old, 1.0, f))
    elif v == "newlr2-6ep":
        tr(m, corpus, 6, A0, A1, np.where(old, 1.0, 2.0))
    elif v == "plain6":
        tr(m, corpus, 6, A0, A1)
    elif v == "resetout":       # output layer reset to zero (as in a fresh model) then 5 epochs
        m.syn1neg[:] = 0; tr(m, corpus, 5, A0, A1)
    else:
        raise SystemExit(v)


for v in variants:
    t = time.time()
    m, old = prepared(s["source"], s["corpus_b"])
    len_corpus = m.corpus_count
    run(v, m, old, s["corpus_b"])
    record(kind, v, fidelity.score(m.wv, s), time.time() - t)
