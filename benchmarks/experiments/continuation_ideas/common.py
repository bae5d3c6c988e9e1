"""Shared setup for continuation experiments (proxy or full domains)."""
import copy, json, logging, os, sys, time
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")); sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
import fidelity
from gensim.models import Word2Vec

HERE = os.path.dirname(os.path.abspath(__file__))
GROUPS = ("A-only", "B-only", "shared", "overall")


def setup(kind):
    if kind == "proxy":
        s = fidelity.continuation_setup("domains", cache_dir=os.path.join(HERE, "cache"), extra_args=[
            "--corpus-a", os.path.join(HERE, "a60k.txt.gz"), "--corpus-b", os.path.join(HERE, "b60k.txt.gz")])
        s["corpus_a"] = list(s["corpus_a"]); s["corpus_b"] = list(s["corpus_b"])
    else:
        s = fidelity.continuation_setup("domains")
    return s


def fmt(f):
    r = f["ratio"]
    return "/".join(f"{r[g]:.2f}" for g in GROUPS) + f" mean {f['ratio_mean']:.3f} rho {f['rho']:.3f}"


def record(kind, name, f, seconds, extra=None):
    row = dict(kind=kind, name=name, ratio={g: f["ratio"][g] for g in GROUPS}, ratio_mean=f["ratio_mean"],
               nn10={g: f["nn10"][g] for g in GROUPS}, rho=f["rho"], seconds=round(seconds, 1),
               cmd="python " + " ".join(sys.argv))
    if extra: row.update(extra)
    with open(os.path.join(HERE, "results.jsonl"), "a") as fh:
        fh.write(json.dumps(row) + "\n")
    print(f"[{kind}] {name}: {fmt(f)} ({seconds:.0f}s)", flush=True)


def train_plain(source, corpus):
    m = copy.deepcopy(source)
    m.build_vocab(corpus, update=True)
    m.train(corpus, total_examples=m.corpus_count, epochs=m.epochs)
    return m
