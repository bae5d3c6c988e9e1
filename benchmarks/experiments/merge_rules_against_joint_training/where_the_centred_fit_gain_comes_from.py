"""Where the centred fit's gain comes from: per-word cosine between A's vector and B's mapped vector, raw and
with each model's own mean removed, for the plain fit and the library's centred fit."""
from benchmarks.experiments.merge_rules_against_joint_training.harness import Setup, unit
from gensim_merge import MergeableKeyedVectors

S = Setup("domains")
a = MergeableKeyedVectors.from_keyed_vectors(S.a, copy=False)
b = MergeableKeyedVectors.from_keyed_vectors(S.b, copy=False)
UA, UB = unit(S.VA), unit(S.VB)
ma, mb = UA[S.has_a].mean(0), UB[S.has_b].mean(0)
sh = S.shared
for name, R in [("plain", b.alignment_to(a).matrix), ("centred", b.alignment_to(a, center=True).matrix)]:
    raw = (UA[sh] * unit(UB[sh] @ R)).sum(1)
    cen = (unit(UA[sh] - ma) * unit((UB[sh] - mb) @ R)).sum(1)
    print(f"{name:8s} cos(mu_a, mu_b R) {unit((mb @ R)[None])[0] @ unit(ma[None])[0]:.3f}  shared words: "
          f"cos(a, bR) {raw.mean():.3f}  centred cos {cen.mean():.3f}")
