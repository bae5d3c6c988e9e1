"""Speed and memory of aligning and merging fastText models with large n-gram bucket tables.

Two seeded synthetic fastText models (``--words`` words, ``--buckets`` n-gram buckets x ``--dim``, float32):
A has random word-token and bucket vectors (composed into whole-word vectors as gensim does); B holds the
words ``w[s:]`` of a list shared in part with A (``--shared`` of them in common) and A's vectors turned by a
random rotation plus noise. Each configuration runs in a fresh subprocess:

``floor``
    The bare product the job cannot avoid: the (buckets x d)·(d x d) float32 product into a new array (best
    of two).
``align``
    ``B.align_to(A)`` (default options): the fit on the shared words, then the map applied to whole-word,
    word-token and bucket vectors.
``merge``, ``merge-ngram``
    ``A.merge_with(B)`` with ``bucket_weights="corpus"`` and with ``"ngram"`` (the default).

Each operation is also compared with the bare product timed in its own process just before it
(``x_bare_product_same_process``): on a shared machine the load changes between subprocesses.

Memory: ``peak`` is the high-water mark of memory allocated during the operation (``tracemalloc``, which
numpy reports its arrays to), ``output`` the size of the result's arrays, ``input`` that of the model(s) read.

Usage (from the repository root; ~2.4 GB per model at the defaults)::

    python -m benchmarks.bench_fasttext --output benchmarks/results/bench_fasttext_2M_buckets_300d.jsonl
"""

import argparse
import json
import os
import string
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.merging import compose, ngram_matrix

REPO = Path(__file__).resolve().parents[1]
CONFIGS = ("floor", "align", "merge", "merge-ngram")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--words", type=int, default=50000)
    p.add_argument("--buckets", type=int, default=2000000)
    p.add_argument("--dim", type=int, default=300)
    p.add_argument("--shared", type=float, default=0.8, help="share of A's words also in B (default 0.8)")
    p.add_argument("--config", choices=CONFIGS, help="run one configuration in this process")
    p.add_argument("--output", help="append one JSON line per configuration to this file")
    return p.parse_args(argv)


def _words(n, rng):
    letters = np.array(list(string.ascii_lowercase))
    lengths = rng.integers(4, 13, size=n)
    raw = ["".join(letters[rng.integers(0, 26, size=k)]) for k in lengths]
    return list(dict.fromkeys(f"{w}{i}" for i, w in enumerate(raw)))


def _model(words, vocab, ngrams, counts, dim):
    kv = MergeableFastTextKeyedVectors(dim, 3, 6, ngrams.shape[0])
    kv.index_to_key, kv.key_to_index, kv.next_index = words, {w: i for i, w in enumerate(words)}, len(words)
    kv.expandos = {"count": counts}
    kv.vectors_vocab, kv.vectors_ngrams = vocab, ngrams
    kv.vectors_vocab_lockf = kv.vectors_ngrams_lockf = np.ones(1, dtype=np.float32)
    kv.recalc_char_ngram_buckets()
    kv.vectors = compose(vocab, ngram_matrix(kv), ngrams)
    return kv


def build(args, with_b=True):
    rng = np.random.default_rng(0)
    n, d = args.words, args.dim
    start_b = int(n * (1 - args.shared))
    words = _words(n + start_b, rng)
    counts = (1e7 / np.arange(1, len(words) + 1)).astype(np.int64) + 20
    vocab = rng.standard_normal((len(words), d), dtype=np.float32)
    ngrams = rng.standard_normal((args.buckets, d), dtype=np.float32)
    ngrams *= 0.3
    a = _model(words[:n], vocab[:n].copy(), ngrams, counts[:n].copy(), d)
    if not with_b:
        return a, None
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    rotation = (q * np.sign(np.diag(r))).astype(np.float32)
    b_ngrams = ngrams @ rotation
    for start in range(0, len(b_ngrams), 1 << 18):  # noise in chunks: no second full-size temporary
        block = b_ngrams[start:start + (1 << 18)]
        block += rng.standard_normal(block.shape, dtype=np.float32) * np.float32(0.05)
    b_vocab = vocab[start_b:] @ rotation
    b = _model(words[start_b:], b_vocab, b_ngrams, counts[start_b:].copy(), d)
    return a, b


def _arrays(kv):
    return kv.vectors.nbytes + kv.vectors_vocab.nbytes + kv.vectors_ngrams.nbytes


def _bare_product_seconds(a, dim):
    """The floor measured in this process, just before the operation (the machine's load varies)."""
    weight = np.linalg.qr(np.random.default_rng(1).standard_normal((dim, dim)))[0].astype(np.float32)
    t = time.perf_counter()
    out = a.vectors_ngrams @ weight
    seconds = time.perf_counter() - t
    del out
    return seconds


def run_one(args):
    a, b = build(args, with_b=args.config != "floor")
    floor_here = _bare_product_seconds(a, args.dim) if args.config != "floor" else None
    tracemalloc.start()
    tracemalloc.reset_peak()
    if args.config == "floor":
        weight = np.linalg.qr(np.random.default_rng(1).standard_normal((args.dim, args.dim)))[0].astype(np.float32)
        seconds = []
        for _ in range(2):
            t = time.perf_counter()
            out = a.vectors_ngrams @ weight
            seconds.append(time.perf_counter() - t)
            output = out.nbytes
            del out
        seconds, inputs = min(seconds), a.vectors_ngrams.nbytes
    else:
        t = time.perf_counter()
        if args.config == "align":
            result = b.align_to(a)
            inputs = _arrays(b)
        else:
            result = a.merge_with(b, bucket_weights="ngram" if args.config == "merge-ngram" else "corpus")
            inputs = _arrays(a) + _arrays(b)
        seconds = time.perf_counter() - t
        output = _arrays(result)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {"config": args.config, "words": args.words, "buckets": args.buckets, "dim": args.dim,
            "seconds": round(seconds, 2), "input_gb": round(inputs / 1e9, 3), "output_gb": round(output / 1e9, 3),
            "peak_gb": round(peak / 1e9, 3), "peak_over_output": round(peak / output, 2),
            "load_average_1min": round(os.getloadavg()[0], 2),
            "bare_product_seconds_same_process": None if floor_here is None else round(floor_here, 2),
            "x_bare_product_same_process": None if floor_here is None else round(seconds / floor_here, 2)}


def main(argv=None):
    args = parse_args(argv)
    if args.config:
        print(json.dumps(run_one(args)), flush=True)
        return 0
    rows = []
    for config in CONFIGS:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.bench_fasttext",
            "--config",
            config,
            "--words",
            str(args.words),
            "--buckets",
            str(args.buckets),
            "--dim",
            str(args.dim),
            "--shared",
            str(args.shared),
        ]
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(json.dumps(row), flush=True)
    floor = next(r["seconds"] for r in rows if r["config"] == "floor")
    for row in rows:
        row["x_floor"] = round(row["seconds"] / floor, 2)
    if args.output:
        with open(args.output, "a") as fout:
            for row in rows:
                fout.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
