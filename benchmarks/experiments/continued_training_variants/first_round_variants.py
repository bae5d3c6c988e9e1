"""Fidelity and cost of continued training (gensim_merge.continuation) against joint training.

Continues the cached model of corpus A (tech) on corpus B (general) in several ways and scores each result
against the jointly trained A+B model, per word group, with gensim_merge.evaluation.closeness; the ratio
divides by the noise floor (a second joint model, other seed). Base models, corpora, groups and the floor
come from benchmarks/fidelity.py (which trains and caches them); this script trains only continuations.

Results are appended as JSON lines to --out. The variants that used options since removed from the library
(per-word locks, drift correction, blending) are described, with their figures, in REMOVED_OPTIONS.md.

Usage (from the repository root)::

    python -m benchmarks.experiments.continued_training_variants.first_round_variants \
        --variants plain,default,rehearsal,warm --out benchmarks/.cache/cont.jsonl
    python -m benchmarks.experiments.continued_training_variants.first_round_variants --split halves --variants plain
    python -m benchmarks.experiments.continued_training_variants.first_round_variants \
        --table benchmarks/.cache/cont.jsonl
"""

import argparse
import copy
import json
import logging
import os
import sys
import time

from gensim.models import Word2Vec

from benchmarks import fidelity
from gensim_merge.continuation import continue_training

HERE = os.path.dirname(os.path.abspath(__file__))  # benchmarks/experiments/<topic>/

logger = logging.getLogger("continuation_experiments")

GROUPS = ("A-only", "B-only", "shared", "overall")


# ------------------------------------------------------------------------------------------------------
# setup from benchmarks/fidelity.py

class Every:
    """Restartable iterable over every `step`-th line of a corpus (a deterministic rehearsal sample)."""

    def __init__(self, corpus, step, offset=0):
        self.corpus, self.step, self.offset = corpus, step, offset

    def __iter__(self):
        for i, line in enumerate(self.corpus):
            if i % self.step == self.offset:
                yield line


def load_setup(split, extra_args=()):
    """Source model, corpora, reference, noise floor and groups for one split ('domains' or 'halves')."""
    return fidelity.continuation_setup(split, extra_args=extra_args)


# ------------------------------------------------------------------------------------------------------
# scoring

def score(kv, setup):
    """Per-group nn10, ratio to the floor, Spearman rho and joint-vocabulary coverage of `kv`."""
    report = fidelity.score(kv, setup)
    return report


def train_plain(source, corpus):
    """gensim's own recipe: build_vocab(update=True) then train on the new corpus."""
    model = copy.deepcopy(source)
    model.build_vocab(corpus, update=True)
    model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    return model


def run(variant, setup, options):
    """Run one variant; return a list of result rows (several when post-processings share a training)."""
    source, corpus_b = setup["source"], setup["corpus_b"]
    rows = []
    t0 = time.perf_counter()
    if variant == "plain":
        model = train_plain(source, corpus_b)
        rows.append(("gensim plain (build_vocab update + train)", model.wv, time.perf_counter() - t0, {}))
    elif variant == "b-alone":
        params = setup["params"]
        model = Word2Vec(**params)
        model.build_vocab(corpus_b)
        model.train(corpus_b, total_examples=model.corpus_count, epochs=model.epochs)
        rows.append(("gensim fresh training on B alone (cost reference)", None, time.perf_counter() - t0, {}))
    else:
        kwargs = dict(options)
        src = source
        if kwargs.pop("warm", False):
            src = source.wv
            kwargs["word2vec_kwargs"] = {k: v for k, v in setup["params"].items() if k != "vector_size"}
        if kwargs.pop("rehearsal10", False):
            kwargs["rehearsal"] = list(Every(setup["corpus_a"], 10))  # 10 % of A, read once
        result = continue_training(src, corpus_b, **kwargs)
        elapsed = time.perf_counter() - t0
        label = f"continue_training({', '.join(f'{k}={v!r}' for k, v in options.items())})"
        rows.append((label, result.model.wv, elapsed, result.report.to_dict()))
    out = []
    for label, kv, seconds, info in rows:
        figures = score(kv, setup) if kv is not None else {}
        out.append({"split": setup["split"], "variant": variant, "label": label, "seconds": round(seconds, 1),
                        "figures": figures, "info": info})
        logger.info("%s: %s (%.0fs)", label, figures, seconds)
    return out


VARIANTS = {
    "plain": {},
    "b-alone": {},
    "default": {},
    "rehearsal": {"rehearsal10": True},
    "warm": {"warm": True},
}


def table(paths):
    """Markdown table of the JSON-lines results."""
    lines = [("| split | variant | A-only | B-only | shared | overall | ratio (A/B/shared/overall) | ρ "
             "| coverage | time s |"),
             "|---|---|---|---|---|---|---|---|---|---|"]
    for path in paths:
        with open(path) as fh:
            for raw in fh:
                row = json.loads(raw)
                f = row["figures"]
                if not f:
                    lines.append(f"| {row['split']} | {row['label']} | | | | | | | | {row['seconds']} |")
                    continue
                nn = " | ".join(f"{f['nn10'][g]:.3f}" for g in GROUPS)
                ratio = "/".join(f"{f['ratio'][g]:.2f}" for g in GROUPS)
                lines.append(f"| {row['split']} | {row['label']} | {nn} | {ratio} | {f['rho']:.3f} | "
                             f"{f['coverage']:.3f} | {row['seconds']} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", default="domains", choices=["domains", "halves", "quick"])
    parser.add_argument("--variants", default="plain,default")
    parser.add_argument("--out", default="benchmarks/.cache/continuation_results.jsonl")
    parser.add_argument("--fidelity-args", default="",
                        help="extra options for benchmarks/fidelity.py, e.g. '--corpus-a a.txt'")
    parser.add_argument("--table", nargs="*",
                        help="print a markdown table of these JSON-lines files and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s", level=logging.INFO)
    logging.getLogger("gensim").setLevel(logging.WARNING)
    if args.table is not None:
        print(table(args.table or [args.out]))
        return
    setup = load_setup(args.split, args.fidelity_args.split())
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    for variant in args.variants.split(","):
        for row in run(variant, setup, VARIANTS[variant]):
            row["command"] = (
                "python -m benchmarks.experiments.continued_training_variants.first_round_variants "
                + " ".join(sys.argv[1:])
            )
            with open(args.out, "a") as fh:
                fh.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
