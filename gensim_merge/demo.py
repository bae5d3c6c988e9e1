"""The README's main job on data that ships with gensim, judged against joint training.

Trains small Word2Vec models on two halves of gensim's Lee corpus (A: the even lines, B: the odd lines),
and jointly on both (twice, with two seeds: the second joint model is the *noise floor*, how close joint
training comes to itself). Then it grows A with B in every way gensim-merge offers — B aligned onto A, the
merge of A and B, A continued on B — plus gensim's plain continued training as a baseline, and prints how
close each result is to the joint model (:func:`gensim_merge.evaluation.closeness`), overall and for the
words of A only, of B only and of both.

Run it with ``gensim-merge demo`` or ``python -m gensim_merge.demo``. Deterministic (one worker thread,
fixed seeds); about 30 seconds on 2 cores. On a corpus this small (300 documents) all figures are noisy;
the benchmarks in ``benchmarks/`` measure the same things on real corpora.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from gensim.models import Word2Vec
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess

from gensim_merge._continuation_model import restarted_learning_rate
from gensim_merge.continuation import continue_training
from gensim_merge.evaluation import closeness, fidelity_ratio
from gensim_merge.keyedvectors import MergeableKeyedVectors

__all__ = ["DEMO_PARAMS", "DemoResult", "format_table", "load_demo_corpus", "run_demo", "train_demo_model"]

logger = logging.getLogger(__name__)

#: Training settings of the demo models: small and quick, deterministic with workers=1.
DEMO_PARAMS = {"vector_size": 50, "window": 5, "min_count": 5, "epochs": 40, "sg": 0, "negative": 5, "workers": 1}
#: Anchors for aligning the demo's small models: shared words seen at least this often in both halves.
DEMO_ANCHOR_MIN_COUNT = 5
#: Random word pairs per group for the similarity correlation (rho) of the closeness table.
DEMO_PAIRS = 5000
#: Words per group whose neighbours are compared (every word of the demo's groups).
DEMO_MAX_WORDS = 2000
_GROUPS = ("A-only", "B-only", "shared")


def load_demo_corpus(name: str = "lee_background.cor") -> tuple[list[list[str]], list[list[str]]]:
    """The tokenised documents of a corpus bundled with gensim, split into two halves (even / odd lines).

    Returns
    -------
    (list of list of str, list of list of str)

    Examples
    --------
    >>> half_a, half_b = load_demo_corpus()
    >>> len(half_a), len(half_b)
    (150, 150)
    """
    with open(datapath(name), encoding="latin-1") as fin:
        docs = [simple_preprocess(line) for line in fin if line.strip()]
    return docs[0::2], docs[1::2]


def train_demo_model(sentences: Iterable[Sequence[str]], seed: int) -> Word2Vec:
    """A small Word2Vec model with the demo's settings (:data:`DEMO_PARAMS`)."""
    return Word2Vec(sentences, seed=seed, **DEMO_PARAMS)


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` measured.

    Attributes
    ----------
    closeness : dict of str to ClosenessReport
        Each candidate's closeness to the joint model, by candidate name (the noise floor included).
    ratios : dict of str to float
        Each candidate's overall neighbour overlap divided by the noise floor's.
    alignment : AlignmentReport
        The report of aligning B onto A.
    seconds : dict of str to float
        Wall-clock time of each step.
    """

    closeness: dict
    ratios: dict
    alignment: object
    seconds: dict


def format_table(result: DemoResult) -> str:
    """The demo's closeness table as text (one row per candidate).

    Parameters
    ----------
    result : DemoResult

    Returns
    -------
    str
    """
    header = ("result (compared with the joint model)", "coverage", "nn@10", "ratio", *_GROUPS, "rho")
    rows = []
    for name, report in result.closeness.items():
        cells = [name, f"{report.coverage:.2f}", f"{report.overall.nn_overlap:.3f}", f"{result.ratios[name]:.2f}"]
        for group in _GROUPS:
            value = report[group].nn_overlap
            cells.append("-" if math.isnan(value) else f"{value:.3f}")
        cells.append(f"{report.overall.spearman:.3f}")
        rows.append(cells)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    lines = []
    for row in (header, *rows):
        padded = (c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
        lines.append("  ".join(padded))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _plain_gensim_continuation(model, sentences):
    """gensim's own recipe: build_vocab(update=True) then train on the new corpus (on a copy)."""
    model = copy.deepcopy(model)
    model.build_vocab(sentences, update=True)
    model.train(sentences, total_examples=len(sentences), epochs=model.epochs)
    return model


def run_demo(*, seed: int = 1, out: Callable[[str], object] = print, say: Callable[[str], object] | None = None,
             progress: Callable[..., Any] | None = None) -> DemoResult:
    """Train on two halves of gensim's Lee corpus, grow A with B every way, compare with joint training.

    Parameters
    ----------
    seed : int, optional
        Seed of model A; B, the joint model and the noise floor use ``seed + 1``, ``+ 2``, ``+ 3``.
    out : callable, optional
        Receives the results (the alignment report and the closeness table); ``print`` by default.
    say : callable, optional
        Receives progress messages (default: the module's logger at INFO).
    progress : callable, optional
        A tqdm-like factory (``progress(total=..., desc=..., unit=...)``) for a bar over the steps.

    Returns
    -------
    DemoResult
    """
    say = say or logger.info
    bar = progress(total=9, desc="demo", unit="step") if progress else contextlib.nullcontext()
    seconds = {}

    def step(name, func):
        start = time.perf_counter()
        value = func()
        seconds[name] = time.perf_counter() - start
        if progress:
            bar.update(1)
        return value

    with bar, restarted_learning_rate():  # both continuations restart the learning rate on purpose
        half_a, half_b = load_demo_corpus()
        joint_docs = [doc for pair in zip(half_a, half_b) for doc in pair]
        model_a = step("train A", lambda: train_demo_model(half_a, seed))
        model_b = step("train B", lambda: train_demo_model(half_b, seed + 1))
        joint = step("train joint", lambda: train_demo_model(joint_docs, seed + 2))
        floor = step("train joint again", lambda: train_demo_model(joint_docs, seed + 3))
        kv_a = MergeableKeyedVectors.from_word2vec(model_a)
        kv_b = MergeableKeyedVectors.from_word2vec(model_b)
        aligned = step("align B onto A", lambda: kv_b.align_to(kv_a, anchor_min_count=DEMO_ANCHOR_MIN_COUNT))
        merged = step("merge A and B", lambda: kv_a.merge_with(
            kv_b, names=["A", "B"], align_options={"anchor_min_count": DEMO_ANCHOR_MIN_COUNT}))
        continued = step("continue A on B", lambda: continue_training(model_a, half_b))
        with_b = step("continue A on B with B's model", lambda: continue_training(
            model_a, half_b, new_model=model_b, align_options={"anchor_min_count": DEMO_ANCHOR_MIN_COUNT}))
        plain = step("gensim continue A on B", lambda: _plain_gensim_continuation(model_a, half_b))
    say(f"trained A on {len(half_a)} documents ({len(kv_a)} words), B on {len(half_b)} ({len(kv_b)} words), "
        f"joint on {len(joint_docs)} ({len(joint.wv)} words); "
        + ", ".join(f"{name} {s:.1f}s" for name, s in seconds.items()))

    in_a, in_b = kv_a.key_to_index, kv_b.key_to_index
    groups = {
        "A-only": [w for w in kv_a.index_to_key if w not in in_b],
        "B-only": [w for w in kv_b.index_to_key if w not in in_a],
        "shared": [w for w in kv_a.index_to_key if w in in_b],
    }
    candidates = {
        "A alone (the old model)": kv_a,
        "B aligned onto A": aligned,
        "merge A+B (gensim-merge)": merged,
        "continue A on B (gensim-merge)": continued.model.wv,
        "continue A on B + B's own model (gensim-merge)": with_b.model.wv,
        "continue A on B (plain gensim)": plain.wv,
        "joint, another seed (noise floor)": floor.wv,
    }
    reports = {name: closeness(kv, joint.wv, groups=groups, n_pairs=DEMO_PAIRS,
                                 max_words_per_group=DEMO_MAX_WORDS) for name, kv in candidates.items()}
    floor_report = reports["joint, another seed (noise floor)"]
    ratios = {name: fidelity_ratio(report, floor_report)["overall"] for name, report in reports.items()}
    result = DemoResult(closeness=reports, ratios=ratios, alignment=aligned.alignment.report, seconds=seconds)

    out("Aligning B (odd lines of gensim's Lee corpus) onto A (even lines):")
    out(str(result.alignment))
    out("")
    out(f"How close each result is to joint training on both halves ({len(joint.wv)} words): nn@10 = share of "
        "a word's 10 nearest neighbours in common with the joint model; ratio = nn@10 / the noise floor's; "
        "rho = correlation of pair similarities; coverage = share of the joint vocabulary held.")
    out(format_table(result))
    return result
