"""Control for pseudo_rehearsal_from_the_a_model.py: freeze old words with no new count (lockf 0), no pseudo-windows."""
import copy
import sys
import time

import numpy as np

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import record, setup

kind = sys.argv[1]
s = setup(kind); src = s["source"]; B = s["corpus_b"]
for rep in range(int(sys.argv[2])):
    t = time.time()
    m = copy.deepcopy(src); m.build_vocab(B, update=True)
    keys = m.wv.index_to_key
    old_idx = np.array([src.wv.key_to_index.get(k, -1) for k in keys]); old = old_idx >= 0
    old_cnt = np.zeros(len(keys)); old_cnt[old] = src.wv.expandos["count"][old_idx[old]]
    new_cnt = m.wv.expandos["count"] - old_cnt
    m.wv.vectors_lockf = np.where(old & (new_cnt == 0), 0.0, 1.0).astype(np.float32)
    print("frozen", int((old & (new_cnt == 0)).sum()), flush=True)
    m.train(B, total_examples=m.corpus_count, epochs=m.epochs, start_alpha=m.alpha, end_alpha=m.min_alpha)
    m.wv.vectors_lockf = np.ones(1, np.float32)
    record(
        kind,
        "freeze_words_without_new_counts: freeze unseen-by-count old words, no dream",
        fidelity.score(m.wv, s),
        time.time() - t,
    )
