"""Why B-alone's B-only words do (not) match joint: nn10 restricted to candidate sets."""
import sys

import numpy as np
from gensim.models import Word2Vec

from benchmarks import fidelity
from benchmarks.experiments.continued_training_variants.proxy_setup import fmt, model_path, setup

kind = sys.argv[1]
s = setup(kind)
f = fidelity.score(s["models"]["b"].wv, s); print("B-alone own space", fmt(f), flush=True)
joint = s["reference"]; floor = s["models"]["floor"].wv
plain = Word2Vec.load(model_path(f"plain_{kind}.model")).wv
b = s["models"]["b"].wv
rng = np.random.default_rng(0)


def unit(M):
    return M / np.maximum(np.linalg.norm(M, axis=1, keepdims=True), 1e-9)


def overlap(kv, ref, queries, pool, k=10):
    """mean share of top-k neighbours (among pool) in common."""
    res = []
    for m in (kv, ref):
        P = unit(m[pool]); Q = unit(m[queries])
        S = Q @ P.T
        qi = {w: i for i, w in enumerate(pool)}
        for j, w in enumerate(queries):
            if w in qi: S[j, qi[w]] = -9
        res.append(np.argsort(-S, axis=1)[:, :k])
    return np.mean([len(set(x) & set(y)) / k for x, y in zip(*res)])


bonly = s["groups"]["B-only"]; shared = s["groups"]["shared"]
q = list(rng.choice(bonly, 1000, replace=False))
for pname, pool in (("B-only pool", bonly), ("shared pool", shared), ("B-only+shared", bonly + shared)):
    print(pname, " ".join(f"{n}={overlap(m, joint, q, pool):.3f}" for n, m in
                          (("floor", floor), ("plain", plain), ("b-alone", b))), flush=True)
qs = list(rng.choice(shared, 1000, replace=False))
for pname, pool in (("shared q, shared pool", shared), ("shared q, B-only pool", bonly)):
    print(
        pname,
        " ".join(
            f"{n}={overlap(m, joint, qs, pool):.3f}"
            for n, m in (("floor", floor), ("plain", plain), ("b-alone", b), ("a", s["models"]["a"].wv))
            if all(w in m.key_to_index for w in pool)
        ),
        flush=True,
    )
aonly = s["groups"]["A-only"]
qa = list(rng.choice(aonly, 1000, replace=False))
a = s["models"]["a"].wv
for pname, pool in (("A-only q, A-only pool", aonly), ("A-only q, shared pool", shared),
                    ("A-only q, A-only+shared", aonly + shared)):
    print(pname, " ".join(f"{n}={overlap(m, joint, qa, pool):.3f}" for n, m in
                          (("floor", floor), ("plain", plain), ("a", a))), flush=True)
