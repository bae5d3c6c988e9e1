"""Idea 1: replace B-only (and shared) words of a continued model by B-alone's vectors aligned in."""
import copy
import logging
import sys
import time

import numpy as np

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import model_path, record, setup, train_plain

logging.basicConfig(level=logging.WARNING)
kind = sys.argv[1]
s = setup(kind)


def procrustes(X, Y):
    """Orthogonal W minimising |X W - Y| on unit rows."""
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True); Yn = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    u, _, vt = np.linalg.svd(Xn.T @ Yn)
    return u @ vt


def substitute(cont_kv, b_kv, a_kv, mode, n_anchors=5000):
    kv = copy.deepcopy(cont_kv)
    keys = kv.index_to_key
    shared = [k for k in b_kv.index_to_key if k in kv.key_to_index][:n_anchors]  # b order = frequency
    W = procrustes(b_kv[shared], kv[shared])
    unit = lambda M: M / np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-9)
    V = unit(kv.vectors.copy())
    b_only = [k for k in keys if k in b_kv.key_to_index and k not in a_kv.key_to_index]
    both = [k for k in keys if k in b_kv.key_to_index and k in a_kv.key_to_index]
    rows = np.array([kv.key_to_index[k] for k in b_only])
    V[rows] = unit(b_kv[b_only] @ W)
    if mode == "avg":
        rows2 = np.array([kv.key_to_index[k] for k in both])
        V[rows2] = unit(V[rows2] + unit(b_kv[both] @ W))
    kv.vectors = V; kv.norms = None
    return kv


t = time.time()
m = train_plain(s["source"], s["corpus_b"])
sec = time.time() - t
record(kind, "plain", fidelity.score(m.wv, s), sec)
b = s["models"]["b"].wv; a = s["models"]["a"].wv
record(kind, "plain + B-only <- B-alone aligned", fidelity.score(substitute(m.wv, b, a, "bonly"), s), sec)
record(kind, "plain + B-only <- B-alone aligned + shared avg", fidelity.score(substitute(m.wv, b, a, "avg"), s), sec)
m.save(model_path(f"plain_{kind}.model"))
