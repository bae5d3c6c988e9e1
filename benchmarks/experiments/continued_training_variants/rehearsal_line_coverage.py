
import numpy as np

from benchmarks.experiments.continued_training_variants.proxy_setup import setup

s = setup("proxy")
aonly = set(s["groups"]["A-only"])
A = s["corpus_a"]
has = np.array([sum(w in aonly for w in l) for l in A])
print("lines", len(A), "with A-only word", (has > 0).mean(), "A-only tokens share", has.sum() / sum(len(l) for l in A))
order = np.argsort(-has, kind="stable")
top = order[: len(A) // 10]
print("A-only tokens in top-10% lines", has[top].sum() / has.sum())
tot = sum(len(l) for l in A)
print("every10 token share", sum(len(l) for l in A[::10]) / tot, "sel token share", sum(len(A[i]) for i in top) / tot)
