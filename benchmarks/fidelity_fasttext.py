"""Fidelity to joint training for fastText: merged and continued FastText models against a joint one.

Trains gensim FastText on corpus A, on corpus B, jointly on A+B (lines interleaved in proportion, as in
``fidelity.py``) and jointly with a second seed (the noise floor). Candidates are scored with
:func:`gensim_merge.evaluation.closeness` against the joint model's whole-word vectors, over the joint
model's vocabulary, per word group:

- ``A-only``, ``B-only``, ``shared``: as in ``fidelity.py`` (in A's model only, B's only, both);
- ``unseen``: words of the joint vocabulary in *neither* A's nor B's model (rare words that reached
  ``min_count`` only in the joint corpus). A candidate's vectors for them come from its n-gram buckets.

Every candidate is first expanded to the whole joint vocabulary (``vectors_for_all``: stored vectors for
its words, n-gram inference for the others), so all candidates and the noise floor answer for the same
words and are searched in the same vocabulary.

Usage (from the repository root)::

    python -m benchmarks.fidelity_fasttext --quick          # gensim's lee corpus, ~1 minute
    python -m benchmarks.fidelity_fasttext --part even --json benchmarks/results/fidelity_fasttext_domains.json
"""

import argparse
import hashlib
import json
import logging
import sys
import time
from pathlib import Path

import numpy as np
from gensim.models import FastText, KeyedVectors
from gensim.test.utils import datapath

from benchmarks.fidelity import InterleavedCorpus, LineCorpus, _corpora_dir, count_lines
from gensim_merge.continuation import continue_fasttext
from gensim_merge.evaluation import closeness, fidelity_ratio
from gensim_merge.fasttext import MergeableFastTextKeyedVectors

logger = logging.getLogger("fidelity_fasttext")
HERE = Path(__file__).resolve().parent
GROUPS = ("A-only", "B-only", "shared", "unseen")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="halves of gensim's lee_background.cor, small models")
    p.add_argument("--part", choices=("all", "even", "odd"), default="even",
                   help="lines of each corpus used (default even: every other line, half of each corpus)")
    p.add_argument("--vector-size", type=int, default=100)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--bucket", type=int, default=200000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--floor-seed", type=int, default=2)
    p.add_argument("--max-words", type=int, default=2000)
    p.add_argument("--topn", type=int, default=10)
    p.add_argument("--n-pairs", type=int, default=20000)
    p.add_argument("--only", help="semicolon-separated candidate names (default all)")
    p.add_argument("--cache-dir", default=str(HERE / ".cache" / "fasttext"))
    p.add_argument("--json", help="write the figures to this JSON file")
    return p.parse_args(argv)


def corpora(args):
    if args.quick:
        path = datapath("lee_background.cor")
        return tuple(LineCorpus(path, part=part, preprocess=True, in_memory=True) for part in ("even", "odd"))
    part = None if args.part == "all" else args.part
    return (LineCorpus(_corpora_dir() / "tech.txt.gz", part=part),
            LineCorpus(_corpora_dir() / "general.txt.gz", part=part))


def params(args, seed):
    if args.quick:
        return {"vector_size": 32, "window": 5, "epochs": 10, "min_count": 3, "bucket": 20000, "workers": 1,
                "seed": seed, "sg": 0, "negative": 5, "hs": 0}
    return {"vector_size": args.vector_size, "window": 5, "epochs": args.epochs, "min_count": args.min_count,
            "bucket": args.bucket, "workers": args.workers, "seed": seed, "sg": 0, "negative": 5, "hs": 0}


def load_or_train(role, args, corpus):
    seed = args.floor_seed if role == "floor" else args.seed
    p = params(args, seed)
    a, b = corpora(args)
    spec = {"role": "joint" if role == "floor" else role, "p": p, "a": a.describe(), "b": b.describe(),
            "quick": args.quick}
    key = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    path = Path(args.cache_dir) / f"{role}-{key}" / "model"
    if path.exists():
        return FastText.load(str(path)), 0.0
    t = time.perf_counter()
    model = FastText(**p)
    model.build_vocab(corpus)
    model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    seconds = time.perf_counter() - t
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(path))
    logger.info("trained %s in %.0fs: %d words", role, seconds, len(model.wv))
    return model, seconds


def expand(kv, keys):
    """Plain KeyedVectors over `keys`: stored vectors where `kv` has the word, n-gram inference elsewhere."""
    return KeyedVectors.vectors_for_all(kv, keys, allow_inference=True)


def groups_of(a, b, joint):
    out = {g: [] for g in GROUPS}
    for word in joint.wv.index_to_key:
        in_a, in_b = word in a.wv.key_to_index, word in b.wv.key_to_index
        out["shared" if in_a and in_b else "A-only" if in_a else "B-only" if in_b else "unseen"].append(word)
    return out


def candidates(models, args):
    a, b = models["a"], models["b"]
    ka = MergeableFastTextKeyedVectors.from_fasttext(a)
    yield "noise-floor", lambda: models["floor"].wv
    yield "A alone", lambda: a.wv
    yield "B alone", lambda: b.wv
    for rule in ("corpus", "mean", "ngram"):
        yield f"merge, buckets by {rule}", lambda rule=rule: ka.merge_with(b.wv, names=["a", "b"], bucket_weights=rule)
    yield "merge, reference's buckets only", lambda: ka.merge_with(b.wv, names=["a", "b"], bucket_weights=[1.0, 0.0])
    yield "merge, buckets by ngram, raw fit", lambda: ka.merge_with(b.wv, names=["a", "b"], bucket_weights="ngram",
                                                                   center_fit=False)
    corpus_b = corpora(args)[1]
    yield "continued A on B", lambda: continue_fasttext(a, corpus_b)[0].wv


def run(args):
    corpus_a, corpus_b = corpora(args)
    models, train_seconds = {}, {}
    n_a, n_b = count_lines(corpus_a, args.cache_dir), count_lines(corpus_b, args.cache_dir)
    joint_corpus = InterleavedCorpus(corpus_a, corpus_b, n_a, n_b)
    for role, corpus in (("a", corpus_a), ("b", corpus_b), ("joint", joint_corpus), ("floor", joint_corpus)):
        models[role], train_seconds[role] = load_or_train(role, args, corpus)
    joint = models["joint"]
    reference = expand(joint.wv, joint.wv.index_to_key)
    keys = joint.wv.index_to_key
    groups = groups_of(models["a"], models["b"], joint)
    logger.info("groups: %s", {g: len(w) for g, w in groups.items()})
    only = set(args.only.split(";")) if args.only else None
    rows, floor_report = {}, None
    for name, build in candidates(models, args):
        if only and name not in only and name != "noise-floor":
            continue
        t = time.perf_counter()
        kv = build()
        seconds = time.perf_counter() - t
        report = closeness(expand(kv, keys), reference, groups=groups, topn=args.topn,
                           max_words_per_group=args.max_words, n_pairs=args.n_pairs, seed=0)
        if name == "noise-floor":
            floor_report = report
        ratio = fidelity_ratio(report, floor_report)
        rows[name] = {"nn10": {g: report[g].nn_overlap for g in (*GROUPS, "overall")},
                      "ratio": {g: ratio.get(g) for g in (*GROUPS, "overall")},
                      "rho": report.overall.spearman, "seconds_build": round(seconds, 1)}
        logger.info("%s: %s", name, json.dumps(rows[name]))
    return {"params": params(args, args.seed), "part": "quick" if args.quick else args.part,
            "lines": {"a": n_a, "b": n_b}, "group_sizes": {g: len(w) for g, w in groups.items()},
            "train_seconds": train_seconds, "rows": rows}


def markdown(result):
    lines = ["| candidate | " + " | ".join(f"{g} nn10 (ratio)" for g in (*GROUPS, "overall")) + " | ρ |",
             "|---|" + "---|" * (len(GROUPS) + 2)]
    for name, row in result["rows"].items():
        cells = [f"{row['nn10'][g]:.3f} ({row['ratio'][g]:.3f})" for g in (*GROUPS, "overall")]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {row['rho']:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    logging.basicConfig(format="%(asctime)s %(name)s %(message)s", level=logging.INFO)
    logging.getLogger("gensim").setLevel(logging.WARNING)
    args = parse_args(argv)
    result = run(args)
    result["command"] = "python -m benchmarks.fidelity_fasttext " + " ".join(sys.argv[1:] if argv is None else argv)
    print(markdown(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=float))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
