import numpy as np

from benchmarks.experiments.merge_rules_against_joint_training import numpy_variants as v
from benchmarks.experiments.merge_rules_against_joint_training.harness import Setup, unit

S = Setup("domains")
ua, ub = unit(S.VA), unit(S.VB)
ma, mb = ua[S.has_a].mean(0), ub[S.has_b].mean(0)
J = unit(S.joint.vectors); mj = J.mean(0)
print(
    f"mean norms (unit vectors): A {np.linalg.norm(ma):.3f} B {np.linalg.norm(mb):.3f} joint {np.linalg.norm(mj):.3f}"
)
for name, R in [
    ("base", S.procrustes(S.VA, S.VB)),
    ("cfit", v.cfit_R(S)),
    ("cfit-anchors", v.cfit_R(S, mode="anchors")),
    ("cfit-n11000", v.cfit_R(S, n=11000)),
    ("proc-1000", S.procrustes(S.VA, S.VB, rows=S.frequent_shared(1000))),
]:
    c = (mb @ R) @ ma / np.linalg.norm(mb) / np.linalg.norm(ma)
    sh = S.shared
    cos_sh = (ua[sh] * unit(ub[sh] @ R)).sum(1)
    print(
        f"{name:14s} cos(mu_a, mu_b R) {c:.3f}  "
        f"shared-word cos(a, Rb) mean {cos_sh.mean():.3f} median {np.median(cos_sh):.3f}"
    )
