"""The main job on data that ships with gensim, judged against joint training.

Trains small Word2Vec models on two halves of gensim's Lee corpus (A: the even lines, B: the odd lines),
and jointly on both (twice, with two seeds: the second joint model is the *noise floor*, how close joint
training comes to itself). Then it grows A with B by gensim-merge's routes — B aligned onto A, the merge of A
and B, A continued on B, alone and with more estimates (``members=2``, ``new_model=B``) — next to the plain
recipes (a Procrustes rotation with a count-weighted union; gensim's own continued training), and prints one
table: for each result, how close it is to the joint model, as a ratio to the noise floor per word group (words
of A only, of B only, of both, all).

Run it with ``gensim-merge demo`` or ``python -m gensim_merge.demo``. Deterministic (one worker thread,
fixed seeds); about 30 seconds on 2 cores. On a corpus this small (300 documents) every figure is noisy;
the project's benchmarks measure the same things on two real corpora.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import textwrap
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess

from gensim_merge.alignment import AlignmentReport
from gensim_merge.continuation import restarted_learning_rate
from gensim_merge.evaluation import closeness
from gensim_merge.keyedvectors import MergeableKeyedVectors

__all__ = ["DEMO_PARAMS", "DemoResult", "DemoRow", "format_table", "load_demo_corpus", "run_demo", "takeaway",
           "train_demo_model"]

logger = logging.getLogger(__name__)

#: Training settings of the demo models: small and quick, deterministic with workers=1.
DEMO_PARAMS = {"vector_size": 50, "window": 5, "min_count": 5, "epochs": 40, "sg": 0, "negative": 5, "workers": 1}
#: Anchors for aligning the demo's small models: shared words seen at least this often in both halves.
DEMO_ANCHOR_MIN_COUNT = 5
#: Continued trainings averaged by the best route (``members``).
DEMO_MEMBERS = 2
#: Random word pairs per group for the similarity correlation (rho) of the closeness table.
DEMO_PAIRS = 5000
#: Words per group whose neighbours are compared (every word of the demo's groups).
DEMO_MAX_WORDS = 2000
#: Differences of the "all words" ratio below this are read as a tie (a corpus this small is noisy).
DEMO_TIE = 0.02
#: Row names of the routes the closing sentence compares.
PLAIN_MERGE, GM_MERGE = "plain Procrustes + count-weighted union", "merge_with"
PLAIN_CONTINUE = "gensim's plain continued training"
GM_CONTINUE, GM_BEST = "continue_from", f"continue_from(members={DEMO_MEMBERS}, new_model=B)"
NOISE_FLOOR = "joint training again, another seed"
_GROUPS = ("A-only", "B-only", "shared", "overall")
_COLUMNS = ("A only", "B only", "both", "all")
_SPAN_LABEL = " ratio to the noise floor, words of "
#: Width of the demo's text lines (the table aside).
_WIDTH = 100


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
class DemoRow:
    """One result of the demo and how close it is to the joint model.

    Attributes
    ----------
    name : str
        The route that made it.
    made_by : str
        ``"gensim-merge"``, ``"plain recipe"`` or ``"reference"`` (the inputs and the noise floor).
    closeness : ClosenessReport
        Its closeness to the joint model.
    floor : ClosenessReport
        The noise floor's closeness to the joint model over the same words (the floor restricted to the
        vocabulary this result holds, so that every ratio compares like with like).
    ratios : dict of str to float
        Neighbour overlap divided by the noise floor's, per group (``"A-only"``, ``"B-only"``, ``"shared"``)
        and ``"overall"`` (all the words it holds); NaN for a group it holds no word of.
    seconds : float
        Time taken to make it from the trained inputs (for a trained model: its training).
    """

    name: str
    made_by: str
    closeness: Any
    floor: Any
    ratios: dict
    seconds: float


@dataclass(frozen=True)
class DemoResult:
    """What :func:`run_demo` measured.

    Attributes
    ----------
    rows : dict of str to DemoRow
        Every result, by route name, in table order (the noise floor last).
    alignment : AlignmentReport
        The report of aligning B onto A.
    vocabulary : dict of str to int
        Vocabulary sizes of ``"A"``, ``"B"``, ``"joint"``, and ``"neither"``: joint-vocabulary words that
        neither A nor B holds (they reach ``min_count`` only in the two halves together).
    seconds : dict of str to float
        Wall-clock time of each step.
    """

    rows: dict
    alignment: AlignmentReport
    vocabulary: dict
    seconds: dict

    @property
    def closeness(self) -> dict:
        """Each result's :class:`~gensim_merge.evaluation.ClosenessReport`, by route name."""
        return {name: row.closeness for name, row in self.rows.items()}

    @property
    def ratios(self) -> dict:
        """Each result's ratio to the noise floor over all the words it holds, by route name."""
        return {name: row.ratios["overall"] for name, row in self.rows.items()}


def format_table(result: DemoResult) -> str:
    """The demo's table as text: one row per result, one labelled column per figure.

    Parameters
    ----------
    result : DemoResult

    Returns
    -------
    str
    """
    header = ["result", "made by", "vocabulary", *_COLUMNS, "rho", "seconds"]
    rows = []
    for row in result.rows.values():
        cells = [row.name, row.made_by, f"{row.closeness.coverage:.0%}"]
        cells += ["-" if math.isnan(row.ratios[g]) else f"{row.ratios[g]:.2f}" for g in _GROUPS]
        cells += [f"{row.closeness.overall.spearman:.2f}", f"{row.seconds:.1f}"]
        rows.append(cells)
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows)]
    lines = []
    for cells in (header, *rows):
        padded = (c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
        lines.append("  ".join(padded).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    # a spanning label over the four ratio columns
    start = sum(widths[:3]) + 2 * 3
    span = sum(widths[3:7]) + 2 * 3
    lines.insert(0, " " * start + _SPAN_LABEL.center(span, "_").rstrip())
    return "\n".join(lines)


def takeaway(result: DemoResult, *, tie: float = DEMO_TIE) -> str:
    """One sentence saying what the table shows, read from its "all words" column.

    Differences below `tie` are called a tie. Needs the rows of gensim's plain continued training, the best
    continued route, ``merge_with`` and the plain Procrustes union.

    Parameters
    ----------
    result : DemoResult
    tie : float, optional

    Returns
    -------
    str
    """
    ratio = result.ratios
    best, plain = ratio[GM_BEST], ratio[PLAIN_CONTINUE]
    merged, plain_merge = ratio[GM_MERGE], ratio[PLAIN_MERGE]
    continued = max(best, plain, ratio[GM_CONTINUE])
    return (f"What to take from it: on this small corpus {GM_BEST} {_compare(best, plain, tie)} gensim's plain "
            f"continued training ({best:.2f} vs {plain:.2f} of the noise floor), merge_with "
            f"{_compare(merged, plain_merge, tie)} the plain Procrustes union ({merged:.2f} vs {plain_merge:.2f}), "
            + ("continued training comes closer than merging without the corpus"
               if continued > max(merged, plain_merge) + tie else "merging comes as close as continued training")
            + ", and no route reaches retraining (1.00).")


def run_demo(*, seed: int = 1, out: Callable[[str], object] = print, say: Callable[[str], object] | None = None,
             progress: Callable[..., Any] | None = None) -> DemoResult:
    """Train on two halves of gensim's Lee corpus, grow A with B every way, compare with joint training.

    Parameters
    ----------
    seed : int, optional
        Seed of model A; B, the joint model and the noise floor use ``seed + 1``, ``+ 2``, ``+ 3``; the
        continued trainings use A's seed (members: ``seed``, ``seed + 1``).
    out : callable, optional
        Receives the results (a short header, the table and one sentence on what it shows); ``print`` by
        default.
    say : callable, optional
        Receives progress messages (default: the module's logger at INFO).
    progress : callable, optional
        A tqdm-like factory (``progress(total=..., desc=..., unit=...)``) for a bar over the steps.

    Returns
    -------
    DemoResult
    """
    say = say or logger.info
    bar = progress(total=11, desc="demo", unit="step") if progress else contextlib.nullcontext()
    seconds = {}

    def step(name, func):
        start = time.perf_counter()
        value = func()
        seconds[name] = time.perf_counter() - start
        if progress:
            bar.update(1)
        return value

    anchors = {"anchor_min_count": DEMO_ANCHOR_MIN_COUNT}
    say("training small models on two halves of gensim's Lee corpus and on both, then growing A with B")
    with bar, restarted_learning_rate():  # every continuation restarts the learning rate on purpose
        half_a, half_b = load_demo_corpus()
        joint_docs = [doc for pair in zip(half_a, half_b) for doc in pair]
        model_a = step("A alone", lambda: train_demo_model(half_a, seed))
        model_b = step("B alone", lambda: train_demo_model(half_b, seed + 1))
        joint = step("joint", lambda: train_demo_model(joint_docs, seed + 2))
        floor = step(NOISE_FLOOR, lambda: train_demo_model(joint_docs, seed + 3))
        kv_a = MergeableKeyedVectors.from_word2vec(model_a)
        kv_b = MergeableKeyedVectors.from_word2vec(model_b)
        aligned = step("B aligned onto A", lambda: kv_b.align_to(kv_a, anchor_min_count=DEMO_ANCHOR_MIN_COUNT))
        plain_merge = step(PLAIN_MERGE, lambda: plain_procrustes_union(kv_a, kv_b))
        merged = step(GM_MERGE, lambda: kv_a.merge_with(kv_b, names=["A", "B"], align_options=anchors))
        plain = step(PLAIN_CONTINUE, lambda: _plain_gensim_continuation(model_a, half_b).wv)
        continued = step(GM_CONTINUE, lambda: MergeableKeyedVectors.continue_from(model_a, half_b))
        best = step(GM_BEST, lambda: MergeableKeyedVectors.continue_from(
            model_a, half_b, members=DEMO_MEMBERS, new_model=model_b, align_options=anchors))
    union = np.union1d(np.array(kv_a.index_to_key, dtype=str), np.array(kv_b.index_to_key, dtype=str))
    vocabulary = {"A": len(kv_a), "B": len(kv_b), "joint": len(joint.wv),
                  "neither": int((~np.isin(np.array(joint.wv.index_to_key, dtype=str), union)).sum())}

    candidates = {  # name: (made by, vectors, seconds)
        "A alone (the old model)": ("reference", kv_a, seconds["A alone"]),
        "B aligned onto A (align_to)": ("gensim-merge", aligned, seconds["B aligned onto A"]),
        PLAIN_MERGE: ("plain recipe", plain_merge, seconds[PLAIN_MERGE]),
        GM_MERGE: ("gensim-merge", merged, seconds[GM_MERGE]),
        PLAIN_CONTINUE: ("plain recipe", plain, seconds[PLAIN_CONTINUE]),
        GM_CONTINUE: ("gensim-merge", continued, seconds[GM_CONTINUE]),
        GM_BEST: ("gensim-merge", best, seconds[GM_BEST]),
        NOISE_FLOOR: ("reference", floor.wv, seconds[NOISE_FLOOR]),
    }
    rows = _score(candidates, joint.wv, floor.wv, _word_groups(kv_a, kv_b))
    result = DemoResult(rows=rows, alignment=aligned.alignment.report, vocabulary=vocabulary, seconds=seconds)

    report = result.alignment
    heldout = "" if report.heldout_cosine is None else f", held-out cosine {report.heldout_cosine:.2f}"
    for paragraph in (
        (f"A = the even lines, B = the odd lines of gensim's Lee corpus; vocabulary: A {vocabulary['A']} words, "
         f"B {vocabulary['B']}, the joint model (trained on A and B together) {vocabulary['joint']}. B is aligned "
         f"onto A on {report.n_used} shared words ({len(report.trimmed)} set aside as used differently{heldout})."),
        ("Each ratio: the share of a word's 10 nearest neighbours in common with the joint model, divided by the "
         "share a second joint training (another seed: the noise floor) has on the same words; 1.00 = as close "
         "as retraining. vocabulary = share of the joint vocabulary held; rho = correlation of word-pair "
         "similarities with the joint model's; seconds = time to make the result from the trained A and B "
         "(A alone and the floor: their training)."),
    ):
        out(textwrap.fill(paragraph, _WIDTH))
    out("")
    out(format_table(result))
    out("")
    out(textwrap.fill(
        f"Merged and continued results hold {vocabulary['joint'] - vocabulary['neither']} of the joint model's "
        f"{vocabulary['joint']} words: the other {vocabulary['neither']} reach min_count "
        f"({DEMO_PARAMS['min_count']}) only in A and B together, so neither input model has them.", _WIDTH))
    out(textwrap.fill(takeaway(result), _WIDTH))
    return result


def plain_procrustes_union(kv_a: KeyedVectors, kv_b: KeyedVectors) -> KeyedVectors:
    """The plain recipe for merging two models: B rotated onto A, then a count-weighted union.

    The orthogonal Procrustes rotation is fitted on the unit vectors of every shared word; shared words get the
    average of their two unit vectors weighted by each model's count, other words their own unit vector.

    Parameters
    ----------
    kv_a, kv_b : gensim.models.KeyedVectors
        Same vector size, with word counts (``get_vecattr(word, "count")``).

    Returns
    -------
    gensim.models.KeyedVectors
        A's words in A's order, then the words only B holds.
    """
    keys_a, keys_b = np.array(kv_a.index_to_key, dtype=str), np.array(kv_b.index_to_key, dtype=str)
    _, in_a, in_b = np.intersect1d(keys_a, keys_b, assume_unique=True, return_indices=True)
    vectors_a, vectors_b = kv_a.get_normed_vectors(), kv_b.get_normed_vectors()
    left, _, right = np.linalg.svd(vectors_b[in_b].T @ vectors_a[in_a])
    vectors_b = vectors_b @ (left @ right)
    weight_a = np.asarray(kv_a.expandos["count"], dtype=np.float64)[in_a, None]
    weight_b = np.asarray(kv_b.expandos["count"], dtype=np.float64)[in_b, None]
    only_b = np.setdiff1d(np.arange(len(keys_b)), in_b)
    vectors = np.concatenate([vectors_a, vectors_b[only_b]])
    vectors[in_a] = (weight_a * vectors_a[in_a] + weight_b * vectors_b[in_b]) / (weight_a + weight_b)
    union = KeyedVectors(kv_a.vector_size)
    union.add_vectors([*keys_a.tolist(), *keys_b[only_b].tolist()], vectors)
    return union


def _plain_gensim_continuation(model, sentences):
    """gensim's own recipe: build_vocab(update=True) then train on the new corpus (on a copy)."""
    model = copy.deepcopy(model)
    model.build_vocab(sentences, update=True)
    model.train(sentences, total_examples=len(sentences), epochs=model.epochs)
    return model


def _word_groups(kv_a, kv_b):
    """The words of A only, of B only and of both."""
    keys_a, keys_b = np.array(kv_a.index_to_key, dtype=str), np.array(kv_b.index_to_key, dtype=str)
    in_b = np.isin(keys_a, keys_b)
    return {"A-only": keys_a[~in_b].tolist(), "B-only": keys_b[~np.isin(keys_b, keys_a)].tolist(),
            "shared": keys_a[in_b].tolist()}


def _score(candidates, joint, floor, groups):
    """A :class:`DemoRow` per candidate; the noise floor is scored on each candidate's own vocabulary."""
    def measure(kv):
        return closeness(kv, joint, groups=groups, n_pairs=DEMO_PAIRS, max_words_per_group=DEMO_MAX_WORDS)

    floors, rows = {}, {}
    for name, (made_by, kv, spent) in candidates.items():
        report = measure(kv)
        keys = np.array(joint.index_to_key, dtype=str)
        held = tuple(keys[np.isin(keys, np.array(kv.index_to_key, dtype=str))
                          & np.isin(keys, np.array(floor.index_to_key, dtype=str))].tolist())
        if held not in floors:
            floors[held] = measure(_restricted(floor, held))
        floor_report = floors[held]
        ratios = {}
        for group in _GROUPS:
            base = floor_report[group].nn_overlap
            ratios[group] = report[group].nn_overlap / base if base > 0 else math.nan
        rows[name] = DemoRow(name, made_by, report, floor_report, ratios, spent)
    return rows


def _restricted(kv, words):
    """`kv` holding only `words` (in that order)."""
    out = KeyedVectors(kv.vector_size)
    rows = np.array([kv.get_index(word) for word in words], dtype=np.intp)
    out.add_vectors(list(words), kv.vectors[rows])
    return out


def _compare(value, baseline, tie):
    """'comes closer than', 'ties' or 'stays below', reading differences below `tie` as a tie."""
    if value >= baseline + tie:
        return "comes closer than"
    if value <= baseline - tie:
        return "stays below"
    return "ties"


if __name__ == "__main__":  # pragma: no cover
    logging.basicConfig(level=logging.WARNING)
    run_demo()
