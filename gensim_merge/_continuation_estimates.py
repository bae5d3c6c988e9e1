"""Continued training that uses more than one estimate of the words: ``members=k`` and ``new_model=...``.

:func:`gensim_merge.continuation.continue_training` hands over here when it is given ``members`` > 1 or a
``new_model``:

* ``members=k``: k continued trainings with seeds ``seed, seed + 1, ...`` (k times the cost of one; on the
  workers of a ``dask.distributed`` client when one is given, only keys, vectors and counts coming back),
  members 2..k aligned onto the first (:func:`~gensim_merge.alignment.fit_between`) and averaged;
* ``new_model``: a model of the new corpus alone (given, or trained here with the source's parameters when
  ``new_model="train"``) aligned onto the continued vectors and combined with them per word group: words the
  source lacked (``"added"``), source words seen in the new corpus (``"shared"``), source words the new corpus
  lacks (``"old"``), each with a rule of :data:`gensim_merge._estimates.RULES`. The defaults are the measured
  best (``benchmarks/RESULTS.md``).

Each estimate is weighted by its evidence, the word's count in the data it saw: a continued member's by the
continued count, so the members' average weighs ``members * count`` against the new model's count. The continued
model's counts already hold old + new counts; the new model's counts only weigh its estimate and are never added
to them (that would count the new corpus twice).
"""

import dataclasses
import logging
import time

import numpy as np
from gensim.models import Word2Vec
from gensim.models.keyedvectors import KeyedVectors

from gensim_merge._estimates import accumulate, check_rules, combine_groups, histogram
from gensim_merge._validation import MAX_SEED, check_integer, check_keyed_vectors, check_option_of, check_same_dim
from gensim_merge.alignment import AlignOptions, fit_between
from gensim_merge.counts import read_model_counts
from gensim_merge.errors import NoSharedVocabularyError, OptionError, OptionTypeError

__all__ = ["DEFAULT_RULES", "GROUPS", "Evidence", "check_estimate_options", "check_new_model_size",
           "continue_with_estimates"]

logger = logging.getLogger(__name__)

#: Word groups of a continued model (code: name).
GROUPS = {0: "added", 1: "shared", 2: "old"}
#: How each group combines the new corpus's model with the continued vectors, chosen by measurement
#: (benchmarks/RESULTS.md): words only the new corpus knows gain from a second estimate; shared words do not.
DEFAULT_RULES = {"added": "evidence", "shared": "keep", "old": "keep"}
#: Word2Vec parameters copied from the source when the new corpus's model is trained here.
_PARAMS = ("vector_size", "window", "min_count", "sg", "negative", "ns_exponent", "sample", "epochs", "alpha",
           "min_alpha", "cbow_mean", "workers", "max_final_vocab")


@dataclasses.dataclass(frozen=True)
class Evidence:
    """Which inputs contributed to each word of a combined model.

    Attributes
    ----------
    sources : list of str
        Input names (bit ``i`` of `provenance` is ``sources[i]``).
    provenance : (n,) uint64 ndarray
        Per word, the bit mask of the inputs whose estimate it holds.
    estimates : (n,) int32 ndarray
        Per word, the number of independent estimates averaged into it.
    """

    sources: list
    provenance: np.ndarray
    estimates: np.ndarray


def check_estimate_options(*, members=1, new_model=None, client=None, new_model_rules=None, align_options=None,
                           seed=None, inplace=False):
    """Range-check the options of this module before any work; returns (rules, AlignOptions)."""
    members = check_option_of("continue_training", "members", members)
    check_option_of("continue_training", "inplace", inplace)
    if seed is not None:
        check_integer(seed, "seed", low=0, high=MAX_SEED - members)  # the members' seeds: seed .. seed + members - 1
    if new_model is not None and not (isinstance(new_model, (KeyedVectors, Word2Vec)) or new_model == "train"):
        raise OptionTypeError(f"new_model must be None, 'train', a Word2Vec model or KeyedVectors, got "
                              f"{new_model!r}", option="new_model", value=new_model,
                              allowed="None, 'train', Word2Vec or KeyedVectors")
    if isinstance(new_model, (KeyedVectors, Word2Vec)):
        check_keyed_vectors(new_model.wv if isinstance(new_model, Word2Vec) else new_model, "new_model")
    if new_model_rules is not None and new_model is None:
        raise OptionError("new_model_rules apply only with a new_model; pass new_model=... or drop them",
                          option="new_model_rules", value=new_model_rules)
    if client is not None:
        check_client(client)
        if members == 1 and new_model != "train":
            raise OptionError("client= runs the members of members=k (or new_model='train') on a cluster; with "
                              "members=1 and no model to train there is nothing to run there: drop client",
                              option="client", value=client)
    if inplace and members > 1:
        raise OptionError(f"inplace=True updates the source itself, but members={members} trains that many "
                          "copies; drop inplace", option="inplace", value=inplace)
    rules = check_rules(new_model_rules, DEFAULT_RULES, "new_model_rules")
    return rules, AlignOptions.from_any(align_options)


def check_new_model_size(new_model, source):
    """DimensionMismatchError before any training when a given `new_model` and `source` differ in vector size."""
    if isinstance(new_model, (KeyedVectors, Word2Vec)) and isinstance(source, (KeyedVectors, Word2Vec)):
        check_same_dim(new_model.wv if isinstance(new_model, Word2Vec) else new_model,
                       source.wv if isinstance(source, Word2Vec) else source, "new_model", "source")


def check_client(client):
    """Raise unless dask.distributed is installed and `client` is one of its Clients."""
    try:
        from distributed import Client
    except ImportError as exc:
        raise OptionError("client= needs dask.distributed, which is not installed; install it with "
                          "pip install 'gensim-merge[dask]' (or drop client to run one after another)",
                          option="client", value=client) from exc
    if not isinstance(client, Client):
        raise OptionTypeError(f"client must be a dask.distributed Client, got {type(client).__name__}",
                              option="client", value=client, allowed="a dask.distributed Client")


def _vectors_only(run_once, seed):
    """Run one member and keep only what travels back: keys, vectors, counts."""
    wv = run_once(seed)[0].model.wv
    return list(wv.index_to_key), np.asarray(wv.vectors), np.asarray(wv.expandos["count"])


def _run_members(run_once, seeds, client):
    """The first member's full result, and (keys, vectors, counts) of the others (on `client` if given)."""
    futures = [client.submit(_vectors_only, run_once, s, pure=False) for s in seeds[1:]] if client else []
    first = run_once(seeds[0])  # runs here while the cluster trains the others
    others = client.gather(futures) if client else [_vectors_only(run_once, s) for s in seeds[1:]]
    return first, others


def _as_kv(keys, vectors):
    kv = KeyedVectors(vectors.shape[1], dtype=vectors.dtype)
    kv.add_vectors(keys, vectors)
    return kv


def _average_members(wv, others, align_options):
    """`wv`'s vectors averaged with the other members' (aligned onto it), word by word: a new array, the
    number of members holding each word, and their bit mask (bit 0: the first member)."""
    total = np.array(wv.vectors, dtype=np.float32, copy=True)
    weight = np.ones(len(wv), dtype=np.float64)
    held = np.ones(len(wv), dtype=np.int32)
    bits = np.ones(len(wv), dtype=np.uint64)
    for member, (keys, vectors, _) in enumerate(others, start=1):
        alignment = fit_between(_as_kv(keys, vectors), wv, align_options)
        rows = np.fromiter((wv.key_to_index.get(k, -1) for k in keys), np.int64, len(keys))
        inside = rows >= 0
        accumulate(total, weight, rows[inside], vectors[inside], np.ones(int(inside.sum())),
                   transform=alignment.apply)
        held[rows[inside]] += 1
        bits[rows[inside]] |= np.uint64(1 << member)
    return (total / weight[:, None]).astype(np.float32), held, bits


def _new_corpus_model(new_model, model, corpus, corpus_file, seed, client):
    """The new corpus's model as KeyedVectors: given, or trained with the continued model's parameters."""
    if new_model != "train":
        return new_model.wv if isinstance(new_model, Word2Vec) else new_model
    params = {name: getattr(model, name) for name in _PARAMS if hasattr(model, name)}
    params.update(hs=0, seed=seed)
    if client is not None:
        keys, vectors, counts = client.submit(_train_vectors, params, corpus, corpus_file, pure=False).result()
        kv = _as_kv(keys, vectors)
        kv.expandos["count"] = counts
        return kv
    return Word2Vec(sentences=corpus, corpus_file=corpus_file, **params).wv


def _train_vectors(params, corpus, corpus_file):
    wv = Word2Vec(sentences=corpus, corpus_file=corpus_file, **params).wv
    return list(wv.index_to_key), np.asarray(wv.vectors), np.asarray(wv.expandos["count"])


def _counts(kv):
    """Real counts, else equal weights (missing counts or rank stand-ins; see :mod:`gensim_merge.counts`)."""
    counts = read_model_counts(kv, "new_model").real if hasattr(kv, "expandos") else None
    return np.ones(len(kv), dtype=np.int64) if counts is None else counts


def _combine_new_model(model, vectors, other_kv, groups, new_counts, rules, align_options, held):
    """Align the new corpus's model onto `vectors` (the continued model's) and combine per group.

    The continued vector of a word averages `held` member estimates, each of which saw the word's count: its
    evidence is ``held * count`` (one estimate's worth per member), the new model's its own count."""
    wv = model.wv
    check_same_dim(other_kv, wv, "new_model", "the continued model")
    rows = np.fromiter((wv.key_to_index.get(k, -1) for k in other_kv.index_to_key), np.int64, len(other_kv))
    seen = rows >= 0
    seen[seen] = new_counts[rows[seen]] > 0
    if not seen.any():
        raise NoSharedVocabularyError(
            f"new_model holds none of the words of the new corpus ({len(other_kv)} words, e.g. "
            f"{other_kv.index_to_key[:3]}); it must be a model of the new corpus: pass the right model, or "
            "new_model='train' to train one here")
    continued = _as_kv(wv.index_to_key, vectors)
    continued.expandos["count"] = np.asarray(wv.expandos["count"])
    alignment = fit_between(other_kv, continued, align_options)
    aligned = alignment.apply(other_kv.vectors, keys=other_kv.index_to_key)
    evidence = np.asarray(wv.expandos["count"], dtype=np.float64) * held
    combined, used = combine_groups(vectors, evidence, aligned, np.where(seen, rows, -1),
                                    _counts(other_kv), groups=groups, rules={code: rules[name]
                                                                             for code, name in GROUPS.items()})
    return combined.astype(np.float32), used, int(np.count_nonzero(rows < 0))


def continue_with_estimates(run_once, *, seed, members, new_model, corpus, corpus_file, client, rules,
                            align_options, pool_members=True):
    """Run `members` continuations (``run_once(seed) -> ContinuationResult``) and combine every estimate.

    Returns the first member's ContinuationResult with its model's input vectors replaced by the combined
    ones, the report completed, and an :class:`Evidence`.
    """
    started = time.perf_counter()
    seeds = [seed + i for i in range(members)]
    (first, was_old, new_counts), others = _run_members(run_once, seeds, client)
    model, report = first.model, first.report
    t0 = time.perf_counter()
    vectors, held, provenance = _average_members(model.wv, others, align_options)
    groups = np.where(~was_old, 0, np.where(new_counts > 0, 1, 2))
    sources = [f"continued (seed {s})" for s in seeds]
    estimates, extra = held.copy(), {}
    if new_model is not None:
        other = _new_corpus_model(new_model, model, corpus, corpus_file, seed + members, client)
        vectors, used, ignored = _combine_new_model(model, vectors, other, groups, new_counts, rules, align_options,
                                                    held if pool_members else np.ones_like(held))
        sources.append("new corpus model (trained)" if new_model == "train" else "new corpus model")
        provenance[used] |= np.uint64(1 << members)
        estimates += used
        extra = {"new_model_words": len(other), "new_model_ignored": ignored, "new_model_rules": dict(rules)}
    model.wv.vectors = vectors
    model.wv.norms = None
    evidence = Evidence(sources=sources, provenance=provenance, estimates=estimates.astype(np.int32))
    report = dataclasses.replace(
        report, members=members, new_model=("none" if new_model is None else "trained" if new_model == "train"
                                            else "given"),
        estimates=histogram(estimates, groups, GROUPS), seconds_combine=round(time.perf_counter() - t0, 3),
        seconds_total=round(time.perf_counter() - started, 3), **extra)
    model.add_lifecycle_event("combine_estimates", members=members, new_model=report.new_model, sources=sources,
                              estimates=report.estimates, **extra)
    logger.info("combined %d continued member(s)%s: %s", members, "" if new_model is None else " + new model",
                report.estimates)
    return dataclasses.replace(first, model=model, report=report, evidence=evidence)
