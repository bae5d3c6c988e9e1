"""Combinations on top of the library's centred-fit rotation (b.alignment_to(a, center=True).matrix)."""
import sys

import numpy as np

from benchmarks.experiments.merge_rules_against_joint_training.harness import Setup, unit
from benchmarks.experiments.merge_rules_against_joint_training.numpy_variants import _concat, blend, halves, share
from gensim_merge import MergeableKeyedVectors

split = sys.argv[1]
S = Setup(split)
a = MergeableKeyedVectors.from_keyed_vectors(S.a, copy=False)
b = MergeableKeyedVectors.from_keyed_vectors(S.b, copy=False)
R = b.alignment_to(a, center=True).matrix
ma, mb = unit(S.VA)[S.has_a].mean(0), unit(S.VB)[S.has_b].mean(0)
print("cos(mu_a, mu_b R_lib) %.3f" % ((mb @ R) @ ma / np.linalg.norm(ma) / np.linalg.norm(mb)))
ua, ub = halves(S, R=R)
print(f"shared cos(a, Rb) mean {(ua[S.shared] * ub[S.shared]).sum(1).mean():.3f}")
log = f"benchmarks/results/merge_rules_second_round_{split}.jsonl"
for name in sys.argv[2].split(","):
    if name == "libR-count":
        out = blend(S, ua, ub, share(S))
    elif name.startswith("libR-power-"):
        out = blend(S, ua, ub, share(S, float(name.split("-")[-1])))
    elif name == "libR-concat":
        out = _concat(S, ua, ub, share(S))
    S.score(out, name, log=log)
