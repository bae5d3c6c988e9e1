"""Merging a model whose counts are gensim's rank stand-ins: which weighting stays closest to joint training?

A word2vec text or binary file holds no counts; gensim loads it with made-up ones (``n, n - 1, ..., 1`` by
rank). This script measures what a merge should do with such an input. Corpus A and corpus B (the first
``--max-lines`` lines of each) train model A (real counts) and model B; B is saved in word2vec text format
and reloaded twice: without its vocabulary file (rank stand-ins) and with it (real counts). A joint model
trains on A and B interleaved; a second joint model with another seed is the noise floor. Candidates:

- ``stand-in counts used as counts``: what a count-weighted merge did before stand-ins were handled (the
  stand-ins are shifted by one, ``n + 1, ..., 2``, so that the package takes them for real counts);
- ``real counts``: the vocabulary file given;
- ``equal weights``: the stand-in input's shared words weighted equally with the other input's;
- ``rank -> A's counts``: B's word at rank r gets the count of A's word at rank r (A's frequency curve;
  beyond A's size, the power law fitted to A's counts);
- ``rank -> power law``: B's word at rank r gets the count of a power law fitted to A's counts;
- ``package default``: ``gensim_merge.merge`` with its defaults, the stand-ins as loaded;
- ``A alone``.

Each is scored with :func:`gensim_merge.evaluation.closeness` against the joint model per word group
(A-only, B-only, shared, and overall: every word it shares with the joint model); ``ratio`` = top-10
neighbour overlap divided by the noise floor's (the floor restricted to the candidate's words).

Usage (from the repository root)::

    python -m benchmarks.fidelity_counts --corpus-a tech.txt.gz --corpus-b general.txt.gz \\
        --max-lines 150000 --seeds 1 11 --output benchmarks/results/merge_stand_in_counts

writes ``<output>.md`` (tables) and ``<output>.jsonl`` (one row per seed and candidate).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import shlex
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from gensim.models import KeyedVectors, Word2Vec

import gensim_merge
from benchmarks.fidelity import InterleavedCorpus
from gensim_merge.evaluation import closeness, fidelity_ratio

logger = logging.getLogger("fidelity_counts")

GROUPS = ("A-only", "B-only", "shared", "overall")
PARAMS = {"vector_size": 100, "window": 5, "epochs": 5, "min_count": 5, "sg": 0, "negative": 5, "hs": 0,
          "workers": 2}


class Lines:
    """Restartable iterable of whitespace token lists: the first `max_lines` lines of a (gzip) text file."""

    def __init__(self, path, max_lines=None):
        self.path, self.max_lines = Path(path), max_lines

    def __iter__(self):
        with open(self.path, "rb") as probe:
            zipped = probe.read(2) == b"\x1f\x8b"
        with (gzip.open(self.path, "rt", encoding="utf8") if zipped else open(self.path, encoding="utf8")) as f:
            for number, line in enumerate(f):
                if self.max_lines is not None and number >= self.max_lines:
                    break
                tokens = line.split()
                if tokens:
                    yield tokens


def main(argv=None):
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    for name in ("gensim", "gensim_merge", "smart_open"):
        logging.getLogger(name).setLevel(logging.WARNING)
    corpus_a, corpus_b = Lines(args.corpus_a, args.max_lines), Lines(args.corpus_b, args.max_lines)
    rows = []
    out = Path(args.output) if args.output else None
    for seed in args.seeds:
        rows.extend(run_seed(corpus_a, corpus_b, seed, args))
        if out is not None:
            _write(out, rows, args, argv)
    print(markdown(rows))


def run_seed(corpus_a, corpus_b, seed, args):
    """Train the four models of one seed, build every candidate and score it; the rows of this seed."""
    n_a, n_b = sum(1 for _ in corpus_a), sum(1 for _ in corpus_b)
    models = {role: _model(role, corpus, seed, args) for role, corpus in (
        ("a", corpus_a), ("b", corpus_b), ("joint", InterleavedCorpus(corpus_a, corpus_b, n_a, n_b)))}
    models["floor"] = _model("floor", InterleavedCorpus(corpus_a, corpus_b, n_a, n_b), seed + 1000, args)
    a, joint, floor = models["a"].wv, models["joint"].wv, models["floor"].wv
    with tempfile.TemporaryDirectory() as tmp:
        path, vocab = Path(tmp, "b.txt"), Path(tmp, "b.vocab")
        models["b"].wv.save_word2vec_format(str(path), fvocab=str(vocab))
        b_stand_in = KeyedVectors.load_word2vec_format(str(path))
        b_real = KeyedVectors.load_word2vec_format(str(path), fvocab=str(vocab))
    assert gensim_merge.counts.looks_rank_based(b_stand_in.expandos["count"])
    groups = _groups(a, b_real, joint)
    floor_report = _closeness(floor, joint, groups, args)
    a_counts = np.sort(np.asarray(a.expandos["count"], dtype=np.int64))[::-1]
    candidates = {
        "stand-in counts used as counts": lambda: _merge(a, _with_counts(b_stand_in, np.arange(
            len(b_stand_in), 0, -1) + 1)),
        "real counts (vocabulary file given)": lambda: _merge(a, b_real),
        "equal weights for the stand-in input": lambda: _merge(a, b_stand_in, strategy="mean"),
        "rank -> A's counts at that rank": lambda: _merge(a, _with_counts(b_stand_in, _curve(a_counts,
                                                                                           len(b_stand_in)))),
        "rank -> power law fitted to A": lambda: _merge(a, _with_counts(b_stand_in, _power_law(
            a_counts, len(b_stand_in)))),
        "package default (stand-ins as loaded, no options)": lambda: _merge(a, b_stand_in, default=True),
        "A alone": lambda: a,
    }
    rows = []
    for label, build in candidates.items():
        if args.only and not any(part in label for part in args.only):
            continue
        start = time.perf_counter()
        kv = build()
        report = _closeness(kv, joint, groups, args)
        held = [w for w in joint.index_to_key if w in kv.key_to_index and w in floor.key_to_index]
        base = floor_report if len(held) == floor_report.n_shared else _closeness(_restrict(floor, held), joint,
                                                                                   groups, args)
        ratio = fidelity_ratio(report, base)
        row = {"seed": seed, "candidate": label,
               "ratio": {g: round(ratio[g], 4) for g in GROUPS},
               "ratio_mean_of_groups": round(float(np.mean([report[g].nn_overlap for g in GROUPS[:3]])
                                                   / np.mean([base[g].nn_overlap for g in GROUPS[:3]])), 4),
               "nn10": {g: round(report[g].nn_overlap, 4) for g in GROUPS},
               "floor_nn10": {g: round(base[g].nn_overlap, 4) for g in GROUPS},
               "rho": round(report.overall.spearman, 4), "coverage": round(report.coverage, 4),
               "n_words": {g: report[g].n_words for g in GROUPS},
               "seconds": round(time.perf_counter() - start, 1)}
        logger.info("seed %d %-40s %s", seed, label, row["ratio"])
        rows.append(row)
    return rows


def _merge(a, b, *, strategy="count", default=False):
    """A merged with B (A the reference), as a plain KeyedVectors."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if default:
            return gensim_merge.merge([a, b], names=["A", "B"])
        return gensim_merge.merge([a, b], names=["A", "B"], strategy=strategy)


def _with_counts(kv, counts):
    """A copy of `kv` (vectors shared, never written) whose counts are `counts`."""
    out = KeyedVectors(kv.vector_size, dtype=kv.vectors.dtype)
    out.add_vectors(list(kv.index_to_key), kv.vectors)
    out.expandos["count"] = np.asarray(counts, dtype=np.int64)
    return out


def _power_law(reference_counts, n):
    """Counts ``C * r**-s`` (r = 1..n, at least 1) with C and s fitted (least squares in log-log) to the counts."""
    ranks = np.arange(1, reference_counts.size + 1)
    slope, intercept = np.polyfit(np.log(ranks), np.log(np.maximum(reference_counts, 1)), 1)
    return np.maximum(np.rint(np.exp(intercept + slope * np.log(np.arange(1, n + 1)))), 1).astype(np.int64)


def _curve(reference_counts, n):
    """The reference's count at each rank 1..n (its sorted counts; beyond them, the fitted power law)."""
    if n <= reference_counts.size:
        return reference_counts[:n].copy()
    tail = _power_law(reference_counts, n)[reference_counts.size:]
    return np.concatenate([reference_counts, np.minimum(tail, reference_counts[-1])])


def _groups(a, b, joint):
    """A-only, B-only and shared words of the joint vocabulary."""
    in_a = np.fromiter((w in a.key_to_index for w in joint.index_to_key), bool, len(joint))
    in_b = np.fromiter((w in b.key_to_index for w in joint.index_to_key), bool, len(joint))
    keys = np.asarray(joint.index_to_key, dtype=object)
    return {"A-only": keys[in_a & ~in_b].tolist(), "B-only": keys[in_b & ~in_a].tolist(),
            "shared": keys[in_a & in_b].tolist()}


def _closeness(kv, joint, groups, args):
    return closeness(kv, joint, groups=groups, topn=10, max_words_per_group=args.max_words, seed=0)


def _restrict(kv, keys):
    rows = np.fromiter((kv.key_to_index[k] for k in keys), np.intp, len(keys))
    out = KeyedVectors(kv.vector_size, dtype=kv.vectors.dtype)
    out.add_vectors(list(keys), kv.vectors[rows])
    return out


def _model(role, corpus, seed, args):
    """Train (or load from the cache) one Word2Vec model."""
    spec = {"role": role, "a": Path(args.corpus_a).name, "b": Path(args.corpus_b).name,
            "max_lines": args.max_lines, "seed": seed, "params": PARAMS}
    key = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    path = Path(args.cache_dir, f"counts-{role}-{key}.model")
    if path.exists():
        return Word2Vec.load(str(path))
    start = time.perf_counter()
    model = Word2Vec(**PARAMS, seed=seed)
    model.build_vocab(corpus)
    model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    logger.info("trained %s (seed %d, %d words) in %.0f s", role, seed, len(model.wv),
                time.perf_counter() - start)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(str(path))
    return model


def markdown(rows):
    """One table per seed, then the mean over seeds: ratio to the noise floor per group."""
    head = ["| candidate | A-only | B-only | shared | overall | mean of groups | ρ |", "|---|---|---|---|---|---|---|"]
    parts = []
    seeds = sorted({r["seed"] for r in rows})
    for seed in seeds:
        parts += [f"\nSeed {seed} (floor: seed {seed + 1000}), ratio to the noise floor:\n", *head]
        for r in (r for r in rows if r["seed"] == seed):
            parts.append(f"| {r['candidate']} | " + " | ".join(f"{r['ratio'][g]:.3f}" for g in GROUPS)
                         + f" | {r['ratio_mean_of_groups']:.3f} | {r['rho']:.3f} |")
    if len(seeds) > 1:
        parts += [f"\nMean over seeds {', '.join(map(str, seeds))}:\n", *head]
        for label in dict.fromkeys(r["candidate"] for r in rows):
            mine = [r for r in rows if r["candidate"] == label]
            cells = [np.mean([r["ratio"][g] for r in mine]) for g in GROUPS]
            cells += [np.mean([r["ratio_mean_of_groups"] for r in mine]), np.mean([r["rho"] for r in mine])]
            parts.append(f"| {label} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    return "\n".join(parts)


def _write(out, rows, args, argv):
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    command = "python -m benchmarks.fidelity_counts " + " ".join(  # no path of this machine in the results
        shlex.quote(Path(a).name if Path(a).is_absolute() else a) for a in (argv or sys.argv[1:]))
    text = [
        "# Merging an input whose counts are gensim's rank stand-ins",
        "",
        (f"A = first {args.max_lines or 'all'} lines of `{Path(args.corpus_a).name}`, B = first "
        f"{args.max_lines or 'all'} lines of `{Path(args.corpus_b).name}`; Word2Vec CBOW "
        f"{PARAMS['vector_size']} dims, {PARAMS['epochs']} epochs, min_count {PARAMS['min_count']}, "
        f"{PARAMS['workers']} workers. B is saved as a word2vec text file and reloaded without its vocabulary "
        "file (rank stand-ins) or with it (real counts); A is the reference of every merge. Ratio = top-10 "
        "neighbour overlap with the joint model divided by the noise floor's (a second joint training), per "
        f"group; up to {args.max_words} words sampled per group. 'mean of groups' = mean of the A-only, B-only "
        "and shared overlaps over the floor's; ρ = Spearman correlation of random pair cosines (overall)."),
        "",
        f"Rerun: `{command}`",
        markdown(rows),
        "",
    ]
    out.with_suffix(".md").write_text("\n".join(text))


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-a", required=True, help="text file (gzip or plain) of corpus A, one line each")
    parser.add_argument("--corpus-b", required=True, help="text file of corpus B")
    parser.add_argument("--max-lines", type=int, default=None, help="use only the first lines of each corpus")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 11],
                        help="seeds of A, B and the joint model (the floor uses seed + 1000)")
    parser.add_argument("--max-words", type=int, default=2000, help="words sampled per group (default 2000)")
    parser.add_argument("--only", nargs="*", help="run only the candidates whose label contains one of these")
    parser.add_argument("--cache-dir", default=str(Path(__file__).resolve().parent / ".cache" / "models"))
    parser.add_argument("--output", help="write <output>.md and <output>.jsonl")
    return parser


if __name__ == "__main__":
    main()
