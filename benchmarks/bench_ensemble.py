"""Time and peak memory of gensim_merge.ensemble on large synthetic members (rotated noisy copies).

Time: the best of --repeats untraced calls against the best of --repeats bare (n x d)·(d x d) products, as
bench_merge.py times the merge (the first call in a process also pays for fresh memory). Peak memory: one more
call under tracemalloc (which sees numpy's buffers, and slows the call, so it is not timed), compared with the
size of the output vectors; the inputs exist before the call and are not counted. Members are built as
rotated, noisy copies of one random model with Zipf counts, so the alignment has real work to do.

Usage (from the repository root)::

    python -m benchmarks.bench_ensemble --words 1000000 --dim 300 --members 2 \\
        --jsonl benchmarks/results/ensemble_speed_memory_by_size.jsonl
"""

import argparse
import json
import time
import tracemalloc

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge.ensembles import ensemble_vectors


def members(n_words, dim, k, seed=0):
    """`k` KeyedVectors over the same `n_words` keys: rotated copies of one model plus a little noise."""
    rng = np.random.default_rng(seed)
    keys = [f"w{i}" for i in range(n_words)]
    base = rng.standard_normal((n_words, dim), dtype=np.float32)
    counts = np.maximum(1, (1e7 / np.arange(1, n_words + 1))).astype(np.int64)
    out = []
    for _ in range(k):
        q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        kv = KeyedVectors(dim, dtype=np.float32)
        kv.index_to_key = keys
        kv.key_to_index = {key: i for i, key in enumerate(keys)}
        kv.vectors = (base @ q.astype(np.float32)) + 0.1 * rng.standard_normal((n_words, dim), dtype=np.float32)
        kv.expandos["count"] = counts.copy()
        out.append(kv)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--members", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="timed calls (and products); the best is kept")
    parser.add_argument("--jsonl", help="append the figures as one JSON line here")
    args = parser.parse_args(argv)
    models = members(args.words, args.dim, args.members)
    bares, times = [], []
    for _ in range(max(1, args.repeats)):
        start = time.perf_counter()
        product = models[1].vectors @ np.eye(args.dim, dtype=np.float32)
        bares.append(time.perf_counter() - start)
        del product
    for _ in range(max(1, args.repeats)):
        start = time.perf_counter()
        record = ensemble_vectors(models, align_options={"n_anchors": 5000})
        times.append(time.perf_counter() - start)
        del record
    bare, seconds = min(bares), min(times)
    tracemalloc.start()
    record = ensemble_vectors(models, align_options={"n_anchors": 5000})
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    output = record.vectors.nbytes
    inputs = sum(m.vectors.nbytes for m in models)
    row = {
        "words": args.words,
        "dim": args.dim,
        "members": args.members,
        "seconds": round(seconds, 2),
        "bare_product_seconds": round(bare, 2),
        "times": [round(t, 2) for t in times],
        "peak_allocated_mb": round(peak / 2**20, 1),
        "output_mb": round(output / 2**20, 1),
        "inputs_mb": round(inputs / 2**20, 1),
        "peak_over_output": round(peak / output, 3),
        "extra_over_inputs_plus_output": round((peak - output) / (inputs + output), 3),
    }
    print(json.dumps(row))
    if args.jsonl:
        with open(args.jsonl, "a") as handle:
            handle.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
