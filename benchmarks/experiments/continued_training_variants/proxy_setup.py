"""Shared set-up of the second-round continuation experiments: the full domains split or a 60 000-line proxy.

``setup("full")`` is the domains set-up of ``benchmarks/fidelity.py`` (its cached models); ``setup("proxy")``
the same on the first 60 000 lines of each corpus, written (once) with its models under
``benchmarks/.cache/continuation_proxy/``. Rows are appended to
``benchmarks/results/continued_training_second_round.jsonl``.
"""
import copy
import gzip
import itertools
import json
import os
import sys

from benchmarks import fidelity

WORK = os.path.join(os.path.dirname(os.path.abspath(fidelity.__file__)), ".cache", "continuation_proxy")
RESULTS = os.path.join(os.path.dirname(os.path.abspath(fidelity.__file__)), "results",
                       "continued_training_second_round.jsonl")
GROUPS = ("A-only", "B-only", "shared", "overall")
PROXY_LINES = 60_000


def setup(kind):
    """The continuation set-up of ``fidelity.continuation_setup`` for ``kind`` "proxy" or "full"."""
    if kind == "proxy":
        paths = [_proxy_corpus(name) for name in ("tech", "general")]
        s = fidelity.continuation_setup("domains", cache_dir=os.path.join(WORK, "cache"), extra_args=[
            "--corpus-a", paths[0], "--corpus-b", paths[1]])
        s["corpus_a"], s["corpus_b"] = list(s["corpus_a"]), list(s["corpus_b"])
    else:
        s = fidelity.continuation_setup("domains")
    return s


def model_path(name):
    """Where an experiment keeps a model it trained for a later one (e.g. the plain continuation)."""
    os.makedirs(WORK, exist_ok=True)
    return os.path.join(WORK, name)


def fmt(f):
    """One line of ratios, their mean and rho."""
    r = f["ratio"]
    return "/".join(f"{r[g]:.2f}" for g in GROUPS) + f" mean {f['ratio_mean']:.3f} rho {f['rho']:.3f}"


def record(kind, name, f, seconds, extra=None):
    """Append one scored row (with the command that made it) to the results file and print it."""
    row = {"kind": kind, "name": name, "ratio": {g: f["ratio"][g] for g in GROUPS}, "ratio_mean": f["ratio_mean"],
               "nn10": {g: f["nn10"][g] for g in GROUPS}, "rho": f["rho"], "seconds": round(seconds, 1),
               "cmd": "python -m " + _module_name() + " " + " ".join(sys.argv[1:])}
    if extra:
        row.update(extra)
    with open(RESULTS, "a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(f"[{kind}] {name}: {fmt(f)} ({seconds:.0f}s)", flush=True)


def train_plain(source, corpus):
    """gensim's plain recipe on a copy: build_vocab(update=True), then train."""
    m = copy.deepcopy(source)
    m.build_vocab(corpus, update=True)
    m.train(corpus, total_examples=m.corpus_count, epochs=m.epochs)
    return m


def _proxy_corpus(name):
    path = os.path.join(WORK, f"{name}_{PROXY_LINES // 1000}k.txt.gz")
    if not os.path.exists(path):
        os.makedirs(WORK, exist_ok=True)
        with gzip.open(fidelity._corpora_dir() / f"{name}.txt.gz", "rt", encoding="utf8") as src, \
                gzip.open(path + ".part", "wt", encoding="utf8") as out:
            out.writelines(itertools.islice(src, PROXY_LINES))
        os.replace(path + ".part", path)
    return path


def _module_name():
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    return spec.name if spec else os.path.basename(sys.argv[0])
