"""Why does merging two FastText models land below model A alone (with n-gram inference)? A diagnostic.

Reuses the cached models of ``python -m benchmarks.fidelity_fasttext --part even`` and scores, against the joint
model, variants of the merged model in which the words of one group take another estimate:

- ``merge``: the default merge (B-only words: B's whole-word vectors mapped into A's space);
- ``merge, B-only words from A's n-grams``: the same, but every word A's model lacks gets A's inferred
  vector (as in "A alone") instead of B's mapped vector;
- ``merge, shared words from A``: shared words keep A's vector instead of the count-weighted blend.

Usage: python benchmarks/experiments/fasttext_merge_diagnostic.py
"""

import json
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors

from benchmarks import fidelity_fasttext as ff
from gensim_merge.evaluation import closeness, fidelity_ratio
from gensim_merge.fasttext import MergeableFastTextKeyedVectors

HERE = Path(__file__).resolve().parent


def main():
    args = ff.parse_args(["--part", "even"])
    corpus_a, corpus_b = ff.corpora(args)
    n_a, n_b = ff.count_lines(corpus_a, args.cache_dir), ff.count_lines(corpus_b, args.cache_dir)
    joint_corpus = ff.InterleavedCorpus(corpus_a, corpus_b, n_a, n_b)
    models = {role: ff.load_or_train(role, args, corpus)[0]
              for role, corpus in (("a", corpus_a), ("b", corpus_b), ("joint", joint_corpus), ("floor", joint_corpus))}
    joint = models["joint"]
    keys = joint.wv.index_to_key
    reference = ff.expand(joint.wv, keys)
    groups = ff.groups_of(models["a"], models["b"], joint)
    a_kv = MergeableFastTextKeyedVectors.from_fasttext(models["a"])
    merged = ff.expand(a_kv.merge_with(models["b"].wv, names=["a", "b"]), keys)
    a_alone = ff.expand(models["a"].wv, keys)
    in_a = np.array([w in models["a"].wv.key_to_index for w in keys])
    in_b = np.array([w in models["b"].wv.key_to_index for w in keys])
    variants = {"noise-floor": ff.expand(models["floor"].wv, keys), "merge": merged}
    for name, rows in (("merge, B-only words from A's n-grams", ~in_a), ("merge, shared words from A", in_a & in_b)):
        vectors = merged.vectors.copy()
        vectors[rows] = a_alone.vectors[rows]
        kv = KeyedVectors(merged.vector_size)
        kv.add_vectors(keys, vectors)
        variants[name] = kv
    floor_report, out = None, {}
    for name, kv in variants.items():
        report = closeness(kv, reference, groups=groups, topn=10, max_words_per_group=2000, n_pairs=20000, seed=0)
        floor_report = floor_report or report
        ratio = fidelity_ratio(report, floor_report)
        out[name] = {g: round(ratio[g], 3) for g in (*ff.GROUPS, "overall")}
        print(name, json.dumps(out[name]), flush=True)
    Path(HERE.parents[1] / "results" / "fasttext_merge_diagnostic_domains_even_lines.json").write_text(
        json.dumps(
            {"ratio_to_noise_floor": out, "command": "python benchmarks/experiments/fasttext_merge_diagnostic.py"},
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
