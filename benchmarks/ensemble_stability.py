"""Stability of ensembles: do two ensembles built from disjoint seeds agree more than two single models?

For each shared corpus (tech.txt.gz, general.txt.gz) Word2Vec models are trained alone on it with
fidelity.py's parameters and seeds 1..8 (cached through fidelity.py's cache: the corpus-A and corpus-B models
of a fidelity run with ``--seed k``; seed 1 is fidelity's own A and B model). For k = 1, 2, 4 two ensembles
(:func:`gensim_merge.ensemble`) are built from disjoint seeds (1..k and 5..4+k) and compared with
:func:`gensim_merge.evaluation.neighbour_overlap`: mean top-10 neighbour overlap over a seeded sample of
`--words` words of the shared vocabulary, split by frequency (the most frequent third, the middle, the rarest
third of the vocabulary). k = 1 is two single models. One JSON line per (corpus, k) is appended to `--jsonl`
as soon as its models exist, so a partial run leaves the figures it reached.

With ``--independent-seed S`` (a seed outside 1..8) the script instead measures closeness to an independent
training: the top-10 overlap of the ensemble of seeds 1..k (k = 1, 2, 4) with a single model of seed S, which
neither ensemble saw: does averaging bring a model closer to what another training of the corpus gives?

Usage (from the repository root)::

    python -m benchmarks.ensemble_stability --cache-dir benchmarks/.cache \\
        --jsonl benchmarks/results/ensemble_stability_top10_overlap.jsonl
"""

import argparse
import json
import logging
import time

import numpy as np

from benchmarks import fidelity
from gensim_merge import ensemble
from gensim_merge.evaluation import neighbour_overlap

logger = logging.getLogger("ensemble_stability")
ROLES = {"tech": "a", "general": "b"}  # fidelity's corpus A is tech.txt.gz, corpus B general.txt.gz
#: Training order: the seeds k = 1 needs first, then k = 2, then k = 4 (both corpora at each step).
ORDER = ((1, 5), (2, 6), (3, 4, 7, 8))


def single_model(corpus, seed, cache_dir):
    """The Word2Vec model of `corpus` alone with `seed` (cached by fidelity.py), and its training time."""
    args = fidelity.parse_args(["--seed", str(seed), "--cache-dir", str(cache_dir)])
    model, meta = fidelity.load_or_train(ROLES[corpus], args)
    return model, meta["train_seconds"]


def overlap_by_frequency(first, second, n_words, seed=0):
    """Mean top-10 overlap of two models over a seeded sample of shared words, overall and per frequency third."""
    shared = [w for w in first.index_to_key if w in second.key_to_index]
    thirds = np.array_split(np.arange(len(shared)), 3)
    rng = np.random.default_rng(seed)
    out = {}
    for name, rows in zip(("frequent", "middle", "rare"), thirds):
        pick = rng.choice(rows, size=min(n_words // 3, len(rows)), replace=False)
        out[name] = float(np.mean(neighbour_overlap(first, second, [shared[i] for i in pick], topn=10)))
    out["mean"] = float(np.mean([out[n] for n in ("frequent", "middle", "rare")]))
    return out, len(shared)


def measure(corpus, k, models, args):
    """One JSON-safe row: ensembles of seeds 1..k and 5..4+k, their overlap and the time to build them."""
    start = time.perf_counter()
    first = ensemble([models[s] for s in range(1, k + 1)]) if k > 1 else models[1]
    second = ensemble([models[s] for s in range(5, 5 + k)]) if k > 1 else models[5]
    seconds = time.perf_counter() - start
    overlap, n_shared = overlap_by_frequency(first, second, args.words)
    return {"corpus": corpus, "k": k, "seeds": [list(range(1, k + 1)), list(range(5, 5 + k))],
            "top10_overlap": overlap, "shared_words": n_shared, "ensemble_seconds": round(seconds, 2),
            "words_sampled": args.words}


def closeness_to_independent(corpora, args):
    """Rows of top-10 overlap between the ensemble of seeds 1..k and an independent single training."""
    for corpus in corpora:
        other = single_model(corpus, args.independent_seed, args.cache_dir)[0].wv
        members = {seed: single_model(corpus, seed, args.cache_dir)[0].wv for seed in (1, 2, 3, 4)}
        for k in (1, 2, 4):
            first = ensemble([members[s] for s in range(1, k + 1)]) if k > 1 else members[1]
            overlap, n_shared = overlap_by_frequency(first, other, args.words)
            row = {"corpus": corpus, "k": k, "seeds": list(range(1, k + 1)), "independent_seed": args.independent_seed,
                   "top10_overlap_with_independent_training": overlap, "shared_words": n_shared,
                   "words_sampled": args.words}
            logger.info("%s", row)
            with open(args.jsonl, "a") as handle:
                handle.write(json.dumps(row) + "\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", default=str(fidelity.DEFAULT_CACHE))
    parser.add_argument("--jsonl", required=True, help="append one JSON line per (corpus, k) here")
    parser.add_argument("--words", type=int, default=3000, help="query words sampled (default 3000)")
    parser.add_argument("--corpora", default="general,tech")
    parser.add_argument("--independent-seed", type=int,
                        help="measure closeness of the ensembles of seeds 1..k to a single model of this seed")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s", level=logging.INFO)
    logging.getLogger("gensim").setLevel(logging.WARNING)
    corpora = args.corpora.split(",")
    if args.independent_seed is not None:
        return closeness_to_independent(corpora, args)
    models = {corpus: {} for corpus in corpora}
    for step, seeds in enumerate(ORDER):
        for corpus in corpora:
            for seed in seeds:
                model, seconds = single_model(corpus, seed, args.cache_dir)
                models[corpus][seed] = model.wv
                logger.info("%s seed %d: %d words, trained in %.0f s", corpus, seed, len(model.wv), seconds)
            k = (1, 2, 4)[step]
            row = measure(corpus, k, models[corpus], args)
            logger.info("%s", row)
            with open(args.jsonl, "a") as handle:
                handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
