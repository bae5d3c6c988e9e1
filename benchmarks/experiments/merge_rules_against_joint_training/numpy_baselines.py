"""Baselines: plain Procrustes + count-weighted union, concatenation, concat-PCA; and library merge_with."""
import sys

import numpy as np

from benchmarks.experiments.merge_rules_against_joint_training.harness import Setup, unit

split = sys.argv[1] if len(sys.argv) > 1 else "domains"
log = f"benchmarks/results/merge_rules_second_round_{split}.jsonl"
S = Setup(split)
R = S.procrustes(S.VA, S.VB)
ua, ub = unit(S.VA), unit(S.VB @ R)
ua[~S.has_a] = 0; ub[~S.has_b] = 0
wa, wb = S.count_a, S.count_b
base = (wa[:, None] * ua + wb[:, None] * ub) / (wa + wb)[:, None]
S.score(base, "procrustes-count", log=log)
share = np.where(S.only_a, 0.9, np.where(S.only_b, 0.1, wa / (wa + wb)))
fa = np.where(S.has_a[:, None], ua, ub); fb = np.where(S.has_b[:, None], ub, ua)
cat = np.hstack([np.sqrt(share)[:, None] * fa, np.sqrt(1 - share)[:, None] * fb])
S.score(cat, "concat", log=log)
_, ev = np.linalg.eigh(cat.T @ cat)
S.score(cat @ ev[:, ::-1][:, :S.d], "concat-pca", log=log)
