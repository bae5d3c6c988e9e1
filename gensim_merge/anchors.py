"""Which word pairs guide an alignment.

An alignment learns a map from a source space to a target space from *anchors*: pairs of words, one in
each model, that should land on each other. By default the anchors are the words both models know,
most frequent first; explicit pairs (a list, a dict or a two-column file) serve spaces whose vocabularies
differ, such as two languages.

Everything after :func:`resolve_anchors` is index arithmetic on the returned :class:`Anchors`.
"""

from __future__ import annotations

import itertools
import logging
import os
from dataclasses import dataclass

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge._align_options import AlignOptions, check_option
from gensim_merge._typing import AnchorsLike, OnMissing, PathType
from gensim_merge._validation import check_option_of
from gensim_merge.counts import frequency_curve, read_model_counts
from gensim_merge.errors import AnchorError, AnchorFileEncodingError

__all__ = ["Anchors", "frequency_ranks", "pair_anchors", "read_pairs_file", "resolve_anchors", "shared_anchors"]

logger = logging.getLogger(__name__)

#: Source words looked up in the first chunk of the shared-word scan (the chunks then double).
_FIRST_SCAN = 8192


@dataclass(frozen=True)
class Anchors:
    """Anchor pairs resolved to row indices of the source and the target model.

    Attributes
    ----------
    source_index, target_index : (n,) ndarray of intp
        Rows of ``source.vectors`` and ``target.vectors`` that should map onto each other.
    source_words, target_words : tuple of str
        The same pairs as words.
    n_missing : int
        Explicit pairs skipped because a word was missing from a model (``on_missing="skip"``).
    """

    source_index: np.ndarray
    target_index: np.ndarray
    source_words: tuple
    target_words: tuple
    n_missing: int = 0

    def __len__(self) -> int:
        return len(self.source_words)

    def subset(self, mask_or_index: np.ndarray) -> Anchors:
        """Return the anchors selected by a boolean mask or an index array."""
        idx = np.arange(len(self))[mask_or_index]
        return Anchors(
            self.source_index[idx], self.target_index[idx],
            tuple(self.source_words[i] for i in idx), tuple(self.target_words[i] for i in idx),
            self.n_missing,
        )


def frequency_ranks(kv: KeyedVectors) -> np.ndarray:
    """Rank of every word of `kv` by frequency (0 = most frequent).

    Uses the ``count`` attribute where the model has real counts (ties broken by vocabulary order), else the
    vocabulary order itself, which gensim keeps sorted by descending frequency after training and in its
    files (gensim's rank stand-ins give that same order; see :mod:`gensim_merge.counts`).

    Parameters
    ----------
    kv : gensim.models.KeyedVectors

    Returns
    -------
    (len(kv),) ndarray of int64
    """
    n = len(kv.index_to_key)
    counts = read_model_counts(kv).real
    if counts is None:
        return np.arange(n, dtype=np.int64)
    order = np.lexsort((np.arange(n), -counts))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n)
    return ranks


def _filter_counts(source, target):
    """The counts the ``min_count`` filter reads on each side, or None when it cannot apply.

    Real counts are used as they are. Rank stand-ins facing real counts are put on the real side's frequency
    curve (:func:`gensim_merge.counts.frequency_curve`), as a merge weighs them: filtering on the ranks
    themselves would keep nearly every word (measured: 4411 anchors instead of 2857, pair-cosine correlation
    with joint training .70 instead of .79 in ``benchmarks/fidelity_counts.py``). Missing counts, or stand-ins
    on both sides, give nothing to filter on.
    """
    src, tgt = read_model_counts(source, "source"), read_model_counts(target, "target")
    if src.kind == "real" and tgt.kind == "stand-in":
        return src.values, frequency_curve(src.values, len(tgt.values))
    if tgt.kind == "real" and src.kind == "stand-in":
        return frequency_curve(tgt.values, len(src.values)), tgt.values
    if src.kind == tgt.kind == "real":
        return src.values, tgt.values
    return None


def _checked_counts(n_anchors, min_count):
    """`n_anchors` (None or an int >= 1: a cap, not an alignment, so 1 will do) and `min_count` (an int >= 0)."""
    return check_option_of("shared_anchors", "n_anchors", n_anchors), check_option("anchor_min_count", min_count,
                                                                                 "min_count")


def shared_anchors(source: KeyedVectors, target: KeyedVectors, *, n_anchors: int | None = AlignOptions.n_anchors,
                   min_count: int = AlignOptions.anchor_min_count) -> Anchors:
    """Anchors from the words both models know, most frequent (in both) first.

    A word's priority is the worse of its two frequency ranks, so an anchor is frequent in *both*
    corpora (a reliable vector on both sides). Words whose ``count`` is below `min_count` in either model
    are skipped (only where the models carry counts; rank stand-ins facing real counts are read on the real
    side's frequency curve, see :mod:`gensim_merge.counts`). Words are kept in priority order, then capped.

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
    n_anchors : int or None, optional
        Keep at most this many, >= 1 (None: all shared words).
    min_count : int, optional
        Skip words seen fewer times than this in either corpus, >= 0.

    Returns
    -------
    Anchors

    Raises
    ------
    AnchorError
        When the models share no word (or none frequent enough).
    OptionError
        When `n_anchors` or `min_count` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> a, b = KeyedVectors(2), KeyedVectors(2)
    >>> a.add_vectors(["the", "cat", "sat"], np.eye(3, 2))
    >>> b.add_vectors(["dog", "cat", "the"], np.eye(3, 2))
    >>> shared_anchors(a, b).source_words
    ('cat', 'the')
    """
    n_anchors, min_count = _checked_counts(n_anchors, min_count)
    src_idx, tgt_idx, priority, n_shared = _scan_shared(source, target, n_anchors, min_count)
    if n_shared == 0:
        raise AnchorError(
            "source and target share no word, so shared-word anchors cannot be formed; "
            "pass explicit pairs with anchors=[(source_word, target_word), ...] or a pair file"
        )
    if src_idx.size == 0:
        raise AnchorError(
            f"none of the {n_shared} shared words is seen at least min_count={min_count} times in both "
            "models; lower anchor_min_count or pass explicit anchors"
        )
    order = np.lexsort((src_idx, priority))[:n_anchors]
    src_idx, tgt_idx = src_idx[order], tgt_idx[order]
    src_words = tuple(map(source.index_to_key.__getitem__, src_idx.tolist()))
    tgt_words = tuple(map(target.index_to_key.__getitem__, tgt_idx.tolist()))
    return Anchors(src_idx.astype(np.intp), tgt_idx.astype(np.intp), src_words, tgt_words)


def _scan_shared(source, target, n_anchors, min_count):
    """Rows of the shared words (frequent enough) that can be among the `n_anchors` of highest priority.

    Source words are looked up in the target a chunk at a time, most frequent first, and the scan stops
    once the `n_anchors`-th best priority found is better than the rank of every word not yet looked up
    (a word's priority is at least its source rank): on two large vocabularies this looks up a few
    multiples of `n_anchors` words instead of all of them (one dict lookup each, ~0.6 us on 1M words).

    Returns
    -------
    src_idx, tgt_idx : ndarray of intp
        The candidates, in no particular order.
    priority : ndarray of int64
        Their priorities (the worse of the two frequency ranks).
    n_shared : int
        Shared words seen by the scan (before the `min_count` filter).
    """
    src_ranks, tgt_ranks = frequency_ranks(source), frequency_ranks(target)
    by_rank = np.argsort(src_ranks, kind="stable")
    counted = _filter_counts(source, target) if min_count else None
    filter_counts = counted is not None
    src_counts, tgt_counts = counted or (None, None)
    lookup, keys = target.key_to_index.get, source.index_to_key
    found_src, found_tgt, n_shared, n_found = [], [], 0, 0
    start, step = 0, max(2 * (n_anchors or 0), _FIRST_SCAN)
    while start < by_rank.size:
        rows = by_rank[start:start + step]
        start += rows.size
        step *= 2
        tgt = np.fromiter(
            map(lookup, map(keys.__getitem__, rows.tolist()), itertools.repeat(-1)), dtype=np.intp, count=rows.size
        )
        shared = tgt >= 0
        n_shared += int(shared.sum())
        rows, tgt = rows[shared], tgt[shared]
        if filter_counts:
            frequent = (src_counts[rows] >= min_count) & (tgt_counts[tgt] >= min_count)
            rows, tgt = rows[frequent], tgt[frequent]
        found_src.append(rows)
        found_tgt.append(tgt)
        n_found += rows.size
        if n_anchors is not None and n_found >= n_anchors:
            priority = np.maximum(src_ranks[np.concatenate(found_src)], tgt_ranks[np.concatenate(found_tgt)])
            if np.partition(priority, n_anchors - 1)[n_anchors - 1] < start:
                break
    src_idx, tgt_idx = np.concatenate(found_src).astype(np.intp), np.concatenate(found_tgt).astype(np.intp)
    return src_idx, tgt_idx, np.maximum(src_ranks[src_idx], tgt_ranks[tgt_idx]), n_shared


def read_pairs_file(path: PathType, *, encoding: str = "utf8") -> list[tuple[str, str]]:
    """Read word pairs from a two-column text file (whitespace separated, one pair a line).

    Blank lines and lines starting with ``#`` are ignored; the format of gensim's
    ``OPUS_en_it_europarl_train_one2ten.txt``.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of (str, str)

    Raises
    ------
    AnchorError
        When a line does not hold exactly two columns, or the file cannot be read.
    """
    pairs = []
    try:
        with open(path, encoding=encoding) as fin:
            for lineno, line in enumerate(fin, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                fields = line.split()
                if len(fields) != 2:
                    raise AnchorError(
                        f"{path}:{lineno}: a pair file needs two whitespace-separated columns "
                        f"(source word, target word), got {len(fields)} in {line[:60]!r}"
                    )
                pairs.append((fields[0], fields[1]))
    except UnicodeDecodeError as err:
        raise AnchorFileEncodingError(f"the anchor pair file {path} is not valid {encoding} ({err.reason} at byte "
                                      f"{err.start}); pass its encoding", err.encoding, err.object, err.start,
                                      err.end, err.reason) from err
    return pairs


def _as_pairs(anchors):
    """Normalise the accepted anchor spellings to a list of (source, target) tuples."""
    if isinstance(anchors, (str, os.PathLike)):
        return read_pairs_file(anchors)
    if isinstance(anchors, dict):
        return list(anchors.items())
    pairs = []
    for item in anchors:
        if isinstance(item, str):
            pairs.append((item, item))
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            pairs.append((item[0], item[1]))
        else:
            raise AnchorError(
                f"each anchor must be a word (the same word in both models) or a (source_word, target_word) "
                f"pair, got {item!r}"
            )
    return pairs


def pair_anchors(source: KeyedVectors, target: KeyedVectors, pairs: AnchorsLike, *,
                 on_missing: OnMissing = AlignOptions.on_missing) -> Anchors:
    """Anchors from explicit word pairs.

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
    pairs : list of (str, str), dict, iterable of str, str or os.PathLike
        Pairs as a list or a dict ``{source_word: target_word}``, single words meaning the same word in
        both models, or the path of a two-column pair file. Duplicate pairs are kept once; a word may
        appear in several pairs (a dictionary with several translations).
    on_missing : {"raise", "skip"}, optional
        What to do with pairs naming a word a model does not hold.

    Returns
    -------
    Anchors

    Raises
    ------
    AnchorError
        When pairs are missing (with ``on_missing="raise"``) or none is left.

    Examples
    --------
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> en, it = KeyedVectors(2), KeyedVectors(2)
    >>> en.add_vectors(["one", "two"], np.eye(2))
    >>> it.add_vectors(["uno", "due"], np.eye(2))
    >>> pair_anchors(en, it, {"one": "uno", "two": "due"}).target_index
    array([0, 1])
    """
    check_option("on_missing", on_missing)
    pairs = list(dict.fromkeys(_as_pairs(pairs)))
    src_lookup, tgt_lookup = source.key_to_index, target.key_to_index
    src_idx = np.fromiter((src_lookup.get(s, -1) for s, _ in pairs), dtype=np.intp, count=len(pairs))
    tgt_idx = np.fromiter((tgt_lookup.get(t, -1) for _, t in pairs), dtype=np.intp, count=len(pairs))
    present = (src_idx >= 0) & (tgt_idx >= 0)
    n_missing = int((~present).sum())
    if n_missing and on_missing == "raise":
        examples = [pairs[i] for i in np.flatnonzero(~present)[:5]]
        raise AnchorError(
            f"{n_missing} of {len(pairs)} anchor pairs name a word missing from a model "
            f"(e.g. {examples}); remove them or pass on_missing='skip' to ignore them"
        )
    if n_missing:
        logger.info("skipping %i of %i anchor pairs with a word missing from a model", n_missing, len(pairs))
    keep = np.flatnonzero(present)
    if keep.size == 0:
        raise AnchorError(
            f"none of the {len(pairs)} anchor pairs has both words in the models; check that the pair file's "
            "columns are in (source, target) order"
        )
    return Anchors(
        src_idx[keep], tgt_idx[keep],
        tuple(pairs[i][0] for i in keep), tuple(pairs[i][1] for i in keep), n_missing,
    )


def resolve_anchors(source: KeyedVectors, target: KeyedVectors, anchors: AnchorsLike = None, *,
                    n_anchors: int | None = AlignOptions.n_anchors, min_count: int = AlignOptions.anchor_min_count,
                    on_missing: OnMissing = AlignOptions.on_missing) -> Anchors:
    """Resolve any accepted spelling of anchors into an :class:`Anchors` of row indices.

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
    anchors : None, list of (str, str), dict, iterable of str, str or os.PathLike, optional
        None: the shared words (see :func:`shared_anchors`); otherwise explicit pairs
        (see :func:`pair_anchors`).
    n_anchors, min_count : int, optional
        Passed to :func:`shared_anchors` (ignored with explicit pairs).
    on_missing : {"raise", "skip"}, optional
        Passed to :func:`pair_anchors`.

    Returns
    -------
    Anchors

    Raises
    ------
    OptionError
        An option out of its range (checked whether or not it applies to the anchors given).
    AnchorError
    """
    anchors = check_option("anchors", anchors)
    _checked_counts(n_anchors, min_count)
    check_option("on_missing", on_missing)
    if anchors is None:
        return shared_anchors(source, target, n_anchors=n_anchors, min_count=min_count)
    return pair_anchors(source, target, anchors, on_missing=on_missing)
