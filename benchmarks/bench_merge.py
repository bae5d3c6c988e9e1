"""Speed and peak memory of merging two large models, against the bare matrix product and the data sizes.

For each vocabulary size ``n`` the script builds (once, cached under --workdir) two seeded synthetic float32
models of ``n`` words x ``dim`` with a ``count`` attribute (Zipf-like, by rank):

- model A holds ``w0 .. w{n-1}``, Gaussian vectors;
- model B holds ``w{n - s} .. w{2n - s - 1}`` (``s = --shared`` x n words in common with A, the most frequent
  of B and the least frequent of A): for the shared words A's vectors turned by a random rotation plus noise,
  for the others fresh Gaussian vectors.

Both are saved in gensim's native format with ``separately=["vectors"]`` (the vectors in a ``.npy`` side file),
so the same files serve both loading modes. Every configuration runs in a FRESH Python subprocess, so that
its peak memory is its own:

``floor``
    The bare product the job cannot avoid: mapping one model, the (n x d)·(d x d) float32 product into a new
    array (the best of --repeats).
``merge``
    ``merge([a, b], names=["a", "b"])`` with the default options (align B onto A on 5000 shared anchors with
    robust trimming and a held-out report, count-weighted combination), inputs loaded into memory.
``merge-mmap``
    The same with both inputs loaded with ``mmap="r"`` (read-only memory maps of the ``.npy`` files).

Memory (all from /proc and ``ru_maxrss``, so Python dicts and lists of keys count, not only numpy arrays):

- ``base``: RSS after the imports, before loading;
- ``inputs``: what the two loaded inputs occupy: anonymous resident memory (``/proc/self/smaps_rollup``)
  after loading minus before, for ``merge`` (vectors, counts, ``index_to_key`` lists and ``key_to_index``
  dicts: every Python object counts); for ``merge-mmap`` the same figure is shown, which holds the keys and
  counts only, the vectors staying in the page cache (file-backed pages, not anonymous memory);
- ``output``: the merged model as it stays resident: anonymous memory after the merge minus before it (its
  vectors, counts, provenance, key list and dict; the merge's temporaries are freed by then);
- ``peak``: ``ru_maxrss`` minus ``base``; target ``peak <= 1.25 x (inputs + output)``, where for
  ``merge-mmap`` ``inputs`` is the in-memory size of the inputs (what the memory maps could at most bring
  in), so that the target is the same.

Timing: wall clock, the best of --repeats calls in one worker, as for the floor (each result is freed before
the next call). The first call in a fresh process also pays for the first touch of memory the process never
used, which on a virtual machine can cost more than the work: here a fresh 1.5M x 300 float32 array took 7.3 s
to fill the first time and 0.2 s the second (numpy's transparent-huge-page request makes the kernel compact
memory on that first touch; ``numpy._core.multiarray._set_madvise_hugepage(False)`` makes it 0.7 s every time);
the floor's repeats escape that cost, so the merge's must too.
Every time is kept in the JSON (``times``).

Usage (from the repository root)::

    python -m benchmarks.bench_merge                                  # 100k, 300k, 1M words x 300
    python -m benchmarks.bench_merge --sizes 100000 --configs floor merge

Results go to stdout (a markdown table) and, as JSON lines, to --json.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = ("floor", "merge", "merge-mmap")
DEFAULT_WORKDIR = os.path.join(REPO, "benchmarks", ".cache", "bench_merge")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--shared", type=float, default=0.5, help="share of each model's words the other holds")
    parser.add_argument("--noise", type=float, default=0.2, help="noise sd per element (vectors are N(0, 1))")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="repeats of the floor product (best is kept)")
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (threadpoolctl if installed)")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--workdir", default=DEFAULT_WORKDIR, help="where the synthetic models are cached")
    parser.add_argument("--json", default=None, help="append one JSON line per configuration here")
    parser.add_argument("--worker", choices=CONFIGS + ("generate",), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ------------------------------------------------------------------------------------------------------
# inside the workers

def rss_bytes():
    """Current resident set size of this process (from /proc/self/statm)."""
    with open("/proc/self/statm") as fin:
        return int(fin.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def anon_bytes():
    """Anonymous resident memory of this process (heap, numpy arrays; not pages of memory-mapped files)."""
    with open("/proc/self/smaps_rollup") as fin:
        for line in fin:
            if line.startswith("Anonymous:"):
                return int(line.split()[1]) * 1024
    return rss_bytes()


def maxrss_bytes():
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def model_dir(args, n):
    return os.path.join(args.workdir, f"n{n}_d{args.dim}_shared{args.shared}_s{args.seed}_noise{args.noise}")


def blas_limits(threads):
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        return contextlib.nullcontext()
    return threadpool_limits(threads)


def generate(args, n):
    """Build and save the two synthetic models of `n` words (native format, vectors in side files)."""
    import numpy as np
    from gensim.models import KeyedVectors

    d = args.dim
    s = round(args.shared * n)
    rng = np.random.default_rng(args.seed)
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    rotation = (q * np.sign(np.diag(r))).astype(np.float32)
    counts = (1e9 / np.arange(1, n + 1) ** 1.05).astype(np.int64) + 5
    out = model_dir(args, n)
    os.makedirs(out, exist_ok=True)

    a = rng.standard_normal((n, d), dtype=np.float32)
    kv = KeyedVectors(d)
    kv.add_vectors([f"w{i}" for i in range(n)], a)
    kv.expandos["count"] = counts.copy()
    kv.save(os.path.join(out, "a.kv"), separately=["vectors"])
    del kv

    b = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 100_000):  # B row j holds word w{n - s + j}
        stop = min(start + 100_000, n)
        rows = np.arange(start, stop)
        shared = rows < s
        block = rng.standard_normal((stop - start, d), dtype=np.float32)
        idx = rows[shared] + (n - s)
        block[shared] = a[idx] @ rotation + args.noise * rng.standard_normal((int(shared.sum()), d),
                                                                             dtype=np.float32)
        b[start:stop] = block
    del a
    kv = KeyedVectors(d)
    kv.add_vectors([f"w{i}" for i in range(n - s, 2 * n - s)], b)
    kv.expandos["count"] = counts.copy()
    kv.save(os.path.join(out, "b.kv"), separately=["vectors"])
    with open(os.path.join(out, "done.json"), "w") as fout:
        json.dump({"n": n, "dim": d, "shared": s, "seed": args.seed, "noise": args.noise}, fout)


def run_worker(args, config):
    import numpy as np

    n = args.size
    result = {"config": config, "n": n, "dim": args.dim}
    with blas_limits(args.threads):
        if config == "floor":
            rng = np.random.default_rng(args.seed)
            x = rng.standard_normal((n, args.dim), dtype=np.float32)
            w = rng.standard_normal((args.dim, args.dim), dtype=np.float32)
            times = []
            for _ in range(max(1, args.repeats)):
                t = time.perf_counter()
                y = x @ w
                times.append(time.perf_counter() - t)
                del y
            result["time"] = min(times)
            result["times"] = times
        else:
            from gensim_merge import MergeableKeyedVectors, merge

            mmap = "r" if config == "merge-mmap" else None
            base, base_anon = rss_bytes(), anon_bytes()
            paths = [os.path.join(model_dir(args, n), f"{name}.kv") for name in ("a", "b")]
            models = [MergeableKeyedVectors.load(p, mmap=mmap) for p in paths]
            loaded, loaded_anon = rss_bytes(), anon_bytes()
            times = []
            for _ in range(max(1, args.repeats)):  # as the floor: the best of the repeats (see the module docs)
                merged = None  # the previous result is freed before the next merge
                t = time.perf_counter()
                merged = merge(models, names=["a", "b"])
                times.append(time.perf_counter() - t)
            result["time"] = min(times)
            result["times"] = times
            after_anon = anon_bytes()
            peak = maxrss_bytes()
            array_bytes = sum(kv.vectors.nbytes + sum(v.nbytes for v in kv.expandos.values()) for kv in models)
            result.update(
                base=base, inputs_resident=loaded_anon - base_anon, output=after_anon - loaded_anon,
                peak=peak - base, loaded_rss=loaded - base,
                input_array_bytes=array_bytes, n_union=len(merged),
                output_array_bytes=merged.vectors.nbytes + sum(v.nbytes for v in merged.expandos.values()),
                mmap=mmap, inputs_are_memmaps=all(isinstance(kv.vectors, np.memmap) for kv in models),
            )
    print("RESULT " + json.dumps(result), flush=True)


# ------------------------------------------------------------------------------------------------------
# the driver

def spawn(args, config, n):
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "benchmarks.bench_merge", "--worker", config, "--size", str(n), "--dim", str(args.dim),
           "--shared", str(args.shared), "--noise", str(args.noise), "--seed", str(args.seed),
           "--repeats", str(args.repeats), "--threads", str(args.threads), "--workdir", args.workdir]
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise RuntimeError(f"worker {config} n={n} failed with exit status {proc.returncode}")
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    return json.loads(lines[-1][len("RESULT "):]) if lines else None


HEADER = ("| words per model | config | time (s) | time / floor | inputs (MiB) | output (MiB) | peak (MiB) | "
          "peak / (inputs + output) |\n|---:|---|---:|---:|---:|---:|---:|---:|")


def fmt_row(r, floor, in_memory_inputs):
    mib = 1 << 20
    if r["config"] == "floor":
        return f"| {r['n']:,} | floor ({r['n']:,}x{r['dim']} · {r['dim']}x{r['dim']}) | {r['time']:.3f} | 1 | | | | |"
    ratio = "" if floor is None else f"{r['time'] / floor:.1f}"
    inputs = r["inputs_resident"] if in_memory_inputs is None else in_memory_inputs
    shown = f"{r['inputs_resident'] / mib:.0f}"
    if r["config"] == "merge-mmap":
        shown += " resident (keys, counts)"
        if in_memory_inputs is not None:
            shown += f"; {in_memory_inputs / mib:.0f} in memory"
    return (f"| {r['n']:,} | {r['config']} → {r['n_union']:,} words | {r['time']:.2f} | {ratio} | {shown} | "
            f"{r['output'] / mib:.0f} | {r['peak'] / mib:.0f} | {r['peak'] / (inputs + r['output']):.2f} |")


def main(argv=None):
    args = parse_args(argv)
    if args.worker == "generate":
        generate(args, args.size)
        return
    if args.worker:
        run_worker(args, args.worker)
        return
    print(f"# machine: {platform.machine()} {os.cpu_count()} cpus, python {platform.python_version()}, "
          f"BLAS threads {args.threads}; load {os.getloadavg()}", flush=True)
    for n in args.sizes:
        if "merge" in " ".join(args.configs) and not os.path.exists(os.path.join(model_dir(args, n), "done.json")):
            t = time.perf_counter()
            spawn(args, "generate", n)
            print(f"# generated models of {n} words in {time.perf_counter() - t:.1f} s", flush=True)
    print(HEADER, flush=True)
    for n in args.sizes:
        floor = in_memory = None
        for config in args.configs:
            result = spawn(args, config, n)
            result["loadavg"] = os.getloadavg()[0]
            if config == "floor":
                floor = result["time"]
            if config == "merge":
                in_memory = result["inputs_resident"]
            print(fmt_row(result, floor, in_memory if config == "merge-mmap" else None), flush=True)
            if args.json:
                with open(args.json, "a") as fout:
                    fout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
