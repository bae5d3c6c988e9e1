"""Score the library's merge (gensim_merge.merge) with given options.

Usage: python -m benchmarks.experiments.merge_rules_against_joint_training.library_merge_options SPLIT NAME...
"""

import sys

from benchmarks.experiments.merge_rules_against_joint_training.harness import Setup
from gensim_merge import MergeableKeyedVectors, merge

OPTIONS = {
    "lib-default": {},
    "lib-no-center-fit": {"center_fit": False},
    "lib-center-fit": {"center_fit": True},
    "lib-center-fit-n1000": {"center_fit": True, "align_options": {"n_anchors": 1000}},
    "lib-center-fit-n20000": {"center_fit": True, "align_options": {"n_anchors": 20000}},
    "lib-center-fit-mean": {"center_fit": True, "strategy": "mean"},
    "lib-center": {"align_options": {"center": True}},
    "lib-default-aseed1": {"align_options": {"seed": 1}},
    "lib-center-fit-aseed1": {"center_fit": True, "align_options": {"seed": 1}},
    "lib-default-aseed2": {"align_options": {"seed": 2}},
    "lib-center-fit-aseed2": {"center_fit": True, "align_options": {"seed": 2}},
}
split = sys.argv[1]
S = Setup(split)
m = S.setup["models"]
a = MergeableKeyedVectors.from_word2vec(m["a"], copy=False)
b = MergeableKeyedVectors.from_word2vec(m["b"], copy=False)
for name in sys.argv[2].split(","):
    if name == "merge_with":
        merged = a.merge_with(b, names=["A", "B"])
    else:
        merged = merge([a, b], names=["A", "B"], **OPTIONS[name])
    print("   ", str(merged.merge_report).splitlines()[0], flush=True)
    seeds = tuple(int(x) for x in sys.argv[3].split(",")) if len(sys.argv) > 3 else (0, 1)
    S.score(merged, name, seeds=seeds, log=f"benchmarks/results/merge_rules_second_round_{split}.jsonl")
