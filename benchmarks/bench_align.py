"""Speed and peak memory of ``align_to`` next to gensim's TranslationMatrix and the bare matrix products.

For each vocabulary size the script builds (once, cached under --workdir) two seeded synthetic float32
models of ``n`` words x ``dim``: the target is random Gaussian, the source is the target turned by a random
rotation plus Gaussian noise, with a small share of words replaced by unrelated vectors (words "used in
another sense", which the robust fit should trim). Both share one vocabulary, so the shared-word anchors are
the first ``--anchors`` words.

Every configuration then runs in a FRESH Python subprocess, so that its peak memory is its own:

``floor``
    The bare products the job cannot avoid, in float32: one (a x d)ᵀ·(a x d) cross product of the anchors
    plus the (n x d)·(d x d) product mapping the whole vocabulary into a new array.
``gm-default``
    ``source.align_to(target, n_anchors=a, anchor_min_count=0)`` with the defaults (robust trimming, held-out
    report).
``gm-plain``
    The same with ``trim=False, heldout=0`` (a plain fit).
``gm-mmap``
    ``gm-default`` on a source loaded with ``mmap="r"`` (saved with ``separately=["vectors"]``): checks that
    the memory-mapped source is streamed, not copied whole.
``tm``
    gensim's TranslationMatrix doing the same job: ``train`` on the a word pairs, then ``apply_transmat`` on
    ``Space.build`` of the whole source vocabulary, as its API does.

Timing: one warm-up call, then ``--repeats`` calls, each method call preceded by a floor call in the same
process (interleaved, so both see the same machine load); the load average is recorded next to each timing.
The figure to read is the ratio to the floor. Memory: ``ru_maxrss`` after the warm-up call minus the
resident set size right after loading the models ("peak RSS above the models"); and, in a separate final
call, the peak of tracemalloc, which counts numpy's allocations but not pages of a memory-mapped file (so
it is the figure that shows whether a memory-mapped source was copied).

Usage (from the repository root)::

    python -m benchmarks.bench_align                              # 100k, 300k, 1M words x 300, 50k anchors
    python -m benchmarks.bench_align --sizes 100000 --repeats 5 --configs floor gm-default
    python -m benchmarks.bench_align --sizes 100000 --profile gm-default  # where the time goes

Results go to stdout (a table) and, as JSON lines, to --json; ``--table FILE.jsonl`` prints the table again.
With one BLAS thread the CPU-time ratio is the steadier figure on a shared machine (time spent waiting for
a core does not count).
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
CONFIGS = ("floor", "gm-default", "gm-plain", "gm-mmap", "tm")
DEFAULT_WORKDIR = os.path.join(REPO, "benchmarks", ".cache", "bench_align")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--anchors", type=int, default=50_000)
    parser.add_argument("--noise", type=float, default=0.2, help="noise sd per element (vectors are N(0, 1))")
    parser.add_argument("--shifted", type=float, default=0.01, help="share of source words made unrelated")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads (threadpoolctl if installed)")
    parser.add_argument("--configs", nargs="+", choices=CONFIGS, default=list(CONFIGS))
    parser.add_argument("--skip-tm-above", type=int, default=None, metavar="N",
                        help="skip TranslationMatrix for vocabularies larger than N (it is slow at 1M)")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the extra tracemalloc call")
    parser.add_argument("--workdir", default=DEFAULT_WORKDIR, help="where the synthetic models are cached")
    parser.add_argument("--json", default=None, help="append one JSON line per configuration here")
    parser.add_argument("--table", nargs="+", default=None, metavar="JSONL",
                        help="only print the table of results saved earlier with --json")
    parser.add_argument("--profile", choices=CONFIGS[1:], default=None,
                        help="instead of timing: profile one call of this configuration (cProfile + stages)")
    parser.add_argument("--worker", choices=CONFIGS + ("generate",), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ------------------------------------------------------------------------------------------------------
# helpers that run inside the workers

def rss_bytes():
    """Current resident set size of this process (from /proc/self/statm)."""
    with open("/proc/self/statm") as fin:
        return int(fin.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def maxrss_bytes():
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def model_dir(args, n):
    return os.path.join(args.workdir, f"n{n}_d{args.dim}_s{args.seed}_noise{args.noise}_shift{args.shifted}")


def mmap_mode(config):
    return "r" if config == "gm-mmap" else None


def blas_limits(threads):
    """A context limiting BLAS threads with threadpoolctl where installed (else the env vars set by main)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib
        note = f"threadpoolctl not installed; OPENBLAS/OMP/MKL_NUM_THREADS={threads}"
        return contextlib.nullcontext(), note
    return threadpool_limits(threads), f"threadpoolctl limit {threads}"


def generate(args, n):
    """Build and save the two synthetic models of `n` words (gensim native format, vectors separately)."""
    import numpy as np
    from gensim.models import KeyedVectors

    d = args.dim
    rng = np.random.default_rng(args.seed)
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    rotation = (q * np.sign(np.diag(r))).astype(np.float32)
    target = np.empty((n, d), dtype=np.float32)
    source = np.empty((n, d), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(start + 100_000, n)
        block = rng.standard_normal((stop - start, d), dtype=np.float32)
        target[start:stop] = block
        moved = block @ rotation + args.noise * rng.standard_normal(block.shape, dtype=np.float32)
        shifted = rng.random(stop - start) < args.shifted
        moved[shifted] = rng.standard_normal((int(shifted.sum()), d), dtype=np.float32)
        source[start:stop] = moved
    keys = [f"w{i}" for i in range(n)]
    out = model_dir(args, n)
    os.makedirs(out, exist_ok=True)
    for name, vectors in (("target", target), ("source", source)):
        kv = KeyedVectors(d)
        kv.add_vectors(keys, vectors)
        kv.save(os.path.join(out, f"{name}.kv"), separately=["vectors"])
    with open(os.path.join(out, "done.json"), "w") as fout:
        json.dump({"n": n, "dim": d, "seed": args.seed, "noise": args.noise, "shifted": args.shifted}, fout)


def make_jobs(args, n, config):
    """Load the models as `config` needs them and return (method, floor, model_bytes, info)."""
    import numpy as np

    from gensim_merge import MergeableKeyedVectors

    path = model_dir(args, n)
    target = MergeableKeyedVectors.load(os.path.join(path, "target.kv"))
    source = MergeableKeyedVectors.load(os.path.join(path, "source.kv"), mmap=mmap_mode(config))
    a = args.anchors
    # the anchors align_to picks (no counts: vocabulary order) -- prepared outside the timings
    anchor_src = np.array(source.vectors[:a])
    anchor_tgt = np.array(target.vectors[:a])
    weight = np.random.default_rng(1).standard_normal((args.dim, args.dim)).astype(np.float32)
    info = {"source_is_memmap": isinstance(source.vectors, np.memmap)}
    floor_parts = info["floor_parts"] = []  # (cross product, mapping product) seconds per floor call

    def floor():
        t0 = time.perf_counter()
        cross = anchor_src.T @ anchor_tgt
        t1 = time.perf_counter()
        mapped = source.vectors @ weight
        floor_parts.append((t1 - t0, time.perf_counter() - t1))
        return cross, mapped

    if config == "floor":
        method = floor
    elif config in ("gm-default", "gm-mmap"):
        def method():
            return source.align_to(target, n_anchors=a, anchor_min_count=0)
    elif config == "gm-plain":
        def method():
            return source.align_to(target, n_anchors=a, anchor_min_count=0, trim=False, heldout=0)
    elif config == "tm":
        from gensim.models.translation_matrix import Space, TranslationMatrix
        pairs = [(w, w) for w in source.index_to_key[:a]]

        def method():
            tm = TranslationMatrix(source, target)
            tm.train(pairs)
            return tm.apply_transmat(Space.build(source))
    else:
        raise ValueError(config)
    model_bytes = source.vectors.nbytes + target.vectors.nbytes
    return method, floor, model_bytes, info


def summarize_result(config, result):
    """A few facts about a method's output (sanity: did it do the job)."""
    if config.startswith("gm"):
        rep = result.alignment.report
        return {"n_used": rep.n_used, "n_trimmed": len(rep.trimmed), "mean_cosine": round(rep.mean_cosine, 4),
                "heldout_p1": rep.heldout_precision_at_1, "out_dtype": str(result.vectors.dtype)}
    if config == "tm":
        return {"out_shape": list(result.mat.shape), "out_dtype": str(result.mat.dtype)}
    return {}


def timed(func, times, loads, cpu):
    loads.append(round(os.getloadavg()[0], 2))
    c0, t0 = time.process_time(), time.perf_counter()
    result = func()
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
    return result


def run_worker(args, config):
    """Time one configuration at one size in this (fresh) process; print one JSON line."""
    n = args.size
    limits, blas_note = blas_limits(args.threads)
    with limits:
        method, floor, model_bytes, info = make_jobs(args, n, config)
        rss_loaded, maxrss_loaded = rss_bytes(), maxrss_bytes()
        m_times, m_loads, m_cpu, f_times, f_loads, f_cpu = [], [], [], [], [], []
        warm_m, warm_f = [], []
        result = timed(method, warm_m, [], [])        # warm-up; fixes this configuration's peak RSS
        maxrss_method = maxrss_bytes()
        facts = summarize_result(config, result)
        del result
        if config != "floor":
            timed(floor, warm_f, [], [])
        for _ in range(args.repeats):
            if config != "floor":
                timed(floor, f_times, f_loads, f_cpu)
            timed(method, m_times, m_loads, m_cpu)
        traced_peak = None
        if not args.no_tracemalloc:
            import tracemalloc
            tracemalloc.start()
            result = method()
            traced_peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            del result
    out = {
        "config": config, "n": n, "dim": args.dim, "anchors": args.anchors, "repeats": args.repeats,
        "times": m_times, "cpu": m_cpu, "loads": m_loads, "warmup": warm_m[0],
        "floor_times": f_times, "floor_cpu": f_cpu, "floor_loads": f_loads,
        "model_bytes": model_bytes, "rss_loaded": rss_loaded, "maxrss_loaded": maxrss_loaded,
        "peak_rss_above_models": maxrss_method - rss_loaded, "maxrss_end": maxrss_bytes(),
        "tracemalloc_peak": traced_peak, "blas": blas_note, **info, **facts,
    }
    print("RESULT " + json.dumps(out), flush=True)


def run_profile(args, config):
    """Where one call's time goes: stage timings (anchors / fit / apply / wrap) and the top of cProfile."""
    import cProfile
    import pstats

    n = args.size
    limits, blas_note = blas_limits(args.threads)
    with limits:
        method, floor, _, _ = make_jobs(args, n, config)
        method()
        floor()
        print(f"# profile of {config} at n={n} ({blas_note}), load {os.getloadavg()[0]:.2f}")
        times = []
        timed(floor, times, [], [])
        print(f"floor: {times[-1]:.3f} s")
        if config.startswith("gm"):
            stage_times(args, config)
        prof = cProfile.Profile()
        prof.enable()
        method()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def stage_times(args, config):
    """Time the stages of align_to separately (the same calls it makes)."""
    from gensim_merge import MergeableKeyedVectors
    from gensim_merge.alignment import fit_alignment, resolve_anchors

    path = model_dir(args, args.size)
    target = MergeableKeyedVectors.load(os.path.join(path, "target.kv"))
    source = MergeableKeyedVectors.load(os.path.join(path, "source.kv"), mmap=mmap_mode(config))
    opts = {} if config != "gm-plain" else {"trim": False, "heldout": 0}
    t = time.perf_counter()
    anchors = resolve_anchors(source, target, None, n_anchors=args.anchors, min_count=0)
    t_res = time.perf_counter() - t
    t = time.perf_counter()
    a_src, a_tgt = source.vectors[anchors.source_index], target.vectors[anchors.target_index]
    t_gather = time.perf_counter() - t
    t = time.perf_counter()
    alignment = fit_alignment(
        a_src, a_tgt, source_words=anchors.source_words, target_words=anchors.target_words, **opts
    )
    t_fit = time.perf_counter() - t
    t = time.perf_counter()
    mapped = alignment.apply(source.vectors, keys=source.index_to_key)
    t_apply = time.perf_counter() - t
    t = time.perf_counter()
    source._with_vectors(mapped)
    t_wrap = time.perf_counter() - t
    print(f"stages: resolve_anchors {t_res:.3f} s | gather {t_gather:.3f} s | fit_alignment {t_fit:.3f} s | "
          f"apply {t_apply:.3f} s | new model (_with_vectors) {t_wrap:.3f} s")


# ------------------------------------------------------------------------------------------------------
# the driver

def spawn(args, config, n, extra=()):
    """Run a worker in a fresh interpreter; return its parsed RESULT line (or None for generate)."""
    env = dict(os.environ)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "benchmarks.bench_align", "--worker", config, "--size", str(n),
           "--dim", str(args.dim), "--anchors", str(args.anchors), "--noise", str(args.noise),
           "--shifted", str(args.shifted), "--seed", str(args.seed), "--repeats", str(args.repeats),
           "--threads", str(args.threads), "--workdir", args.workdir, *extra]
    if args.no_tracemalloc:
        cmd.append("--no-tracemalloc")
    proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise RuntimeError(f"worker {config} n={n} failed with exit status {proc.returncode}")
    if config == "generate" or "--profile" in extra:
        sys.stdout.write(proc.stdout)
        return None
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    return json.loads(lines[-1][len("RESULT "):])


def mean_std(values):
    import statistics
    if not values:
        return float("nan"), float("nan")
    return statistics.fmean(values), (statistics.stdev(values) if len(values) > 1 else 0.0)


def fmt_row(r):
    mib = 1 << 20
    t, ts = mean_std(r["times"])
    load = mean_std(r["loads"])[0]
    traced = "-" if r["tracemalloc_peak"] is None else f"{r['tracemalloc_peak'] / mib:.0f}"
    if r["floor_times"]:
        f, fs = mean_std(r["floor_times"])
        rm, rs = mean_std([m / fl for m, fl in zip(r["times"], r["floor_times"])])
        cm, cs = mean_std([m / fl for m, fl in zip(r["cpu"], r["floor_cpu"])])
        floor_s, ratio_s, cpu_s = f"{f:.3f} ± {fs:.3f}", f"{rm:.2f} ± {rs:.2f}", f"{cm:.2f} ± {cs:.2f}"
    else:
        floor_s, ratio_s, cpu_s = "(itself)", "1", "1"
    return (f"| {r['n']:>9,} | {r['config']:<10} | {t:8.3f} ± {ts:.3f} | {floor_s} | {ratio_s} | {cpu_s} | "
            f"{load:.2f} | {r['peak_rss_above_models'] / mib:.0f} | {traced} |")


HEADER = ("| words | config | time (s) | interleaved floor (s) | time / floor | CPU time / floor CPU time | "
          "load avg (1 min) | peak RSS above models (MiB) | tracemalloc peak (MiB) |\n"
          "|---:|---|---:|---:|---:|---:|---:|---:|---:|")


def print_table(paths):
    """Print the table of results stored as JSON lines (by --json) in `paths`."""
    print(HEADER)
    for path in paths:
        with open(path) as fin:
            for line in fin:
                print(fmt_row(json.loads(line)))


def main(argv=None):
    args = parse_args(argv)
    if args.worker == "generate":
        generate(args, args.size)
        return
    if args.worker:
        (run_profile if args.profile else run_worker)(args, args.worker)
        return
    if args.table:
        print_table(args.table)
        return
    print(f"# machine: {platform.machine()} {os.cpu_count()} cpus, python {platform.python_version()}, "
          f"BLAS threads {args.threads}; load {os.getloadavg()}", flush=True)
    for n in args.sizes:
        if not os.path.exists(os.path.join(model_dir(args, n), "done.json")):
            t = time.perf_counter()
            spawn(args, "generate", n)
            print(f"# generated models of {n} words in {time.perf_counter() - t:.1f} s", flush=True)
    if args.profile:
        for n in args.sizes:
            spawn(args, args.profile, n, extra=("--profile", args.profile))
        return
    print(HEADER, flush=True)
    for n in args.sizes:
        for config in args.configs:
            if config == "tm" and args.skip_tm_above is not None and n > args.skip_tm_above:
                print(f"| {n:>9,} | tm | skipped (--skip-tm-above {args.skip_tm_above}) ||||||", flush=True)
                continue
            result = spawn(args, config, n)
            print(fmt_row(result), flush=True)
            if args.json:
                with open(args.json, "a") as fout:
                    fout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
