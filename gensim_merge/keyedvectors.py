"""MergeableKeyedVectors: gensim's KeyedVectors, plus aligning, merging and continuing.

A drop-in replacement wherever :class:`gensim.models.KeyedVectors` is loaded: every KeyedVectors method works
on it, and the files it saves load in plain gensim (no gensim_merge needed to read them).

.. sourcecode:: pycon

    >>> from gensim_merge import MergeableKeyedVectors
    >>> old = MergeableKeyedVectors.load("wiki.kv")                      # doctest: +SKIP
    >>> new = MergeableKeyedVectors.load("stackexchange.kv")             # doctest: +SKIP
    >>> aligned = new.align_to(old)                                      # doctest: +SKIP
    >>> print(aligned.alignment.report)                                  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Union, overload

import numpy as np
import numpy.typing as npt
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.fasttext import FastTextKeyedVectors

from gensim_merge._align_options import AlignOptionsLike
from gensim_merge._kv_alignment import AlignmentMixin
from gensim_merge._kv_evidence import EvidenceMixin
from gensim_merge._kv_files import FilesMixin, load_any, save_any
from gensim_merge._typing import Corpus, MergeStrategy, MmapMode, PathType, Progress, VectorsFormat
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE
from gensim_merge.errors import IncompatibleModelError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.fasttext_io import merge_fasttext_models
from gensim_merge.merging import merge_vectors

__all__ = ["MergeableKeyedVectors", "load_vectors", "merge", "save_vectors"]

logger = logging.getLogger(__name__)


class MergeableKeyedVectors(FilesMixin, AlignmentMixin, EvidenceMixin, KeyedVectors):
    """gensim KeyedVectors that can be aligned to, merged with and continued from other models.

    Parameters
    ----------
    vector_size : int
        Dimensionality of the vectors.
    count : int, optional
        Rows to pre-allocate (as in gensim; fill them with ``add_vectors`` on an empty object instead).
    dtype : numpy dtype, optional
    mapfile_path : str, optional
        Unused (as in gensim).

    Attributes
    ----------
    alignment : Alignment or None
        The map that brought these vectors into their current space (set by :meth:`align_to`).
    sources : list of str
        Names of the models merged into this one (set by merging); see :meth:`provenance`.
    merge_report : MergeReport or None
        What the merge that produced this model did (set by :meth:`merge_with`).
    model : gensim.models.Word2Vec or None
        The full trainable model behind these vectors, when they come from continued training
        (:meth:`continue_from`): pass it to :meth:`continue_from` again to continue once more. Not saved
        with the vectors (save it with ``model.save``).

    Examples
    --------
    >>> import numpy as np
    >>> kv = MergeableKeyedVectors(3)
    >>> kv.add_vectors(["cat", "dog"], np.array([[1, 0, 0], [0.9, 0.1, 0]], dtype=np.float32))
    >>> kv.most_similar("cat", topn=1)[0][0]
    'dog'
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: npt.DTypeLike = np.float32,
                 mapfile_path: str | None = None) -> None:
        super().__init__(vector_size, count=count, dtype=dtype, mapfile_path=mapfile_path)
        self._set_defaults()

    # ------------------------------------------------------------------------------------------------
    # construction and conversion
    # ------------------------------------------------------------------------------------------------
    @classmethod
    def from_keyed_vectors(cls, kv: KeyedVectors, *, copy: bool = True) -> MergeableKeyedVectors:
        """Wrap a gensim KeyedVectors as a MergeableKeyedVectors.

        Parameters
        ----------
        kv : gensim.models.KeyedVectors
            Plain vectors (whole-word vectors only; a FastText model's n-gram buckets are not carried).
        copy : bool, optional
            Copy the vectors, keys and attributes (default), so the result and `kv` never affect each
            other. With ``copy=False`` they share the arrays (no memory cost); later in-place edits of one
            show in the other.

        Returns
        -------
        MergeableKeyedVectors

        Examples
        --------
        >>> import numpy as np
        >>> from gensim.models import KeyedVectors
        >>> kv = KeyedVectors(2)
        >>> kv.add_vectors(["a", "b"], np.eye(2))
        >>> print(MergeableKeyedVectors.from_keyed_vectors(kv))
        MergeableKeyedVectors<vector_size=2, 2 keys>
        """
        if not isinstance(kv, KeyedVectors):
            raise IncompatibleModelError(
                f"from_keyed_vectors needs a gensim KeyedVectors, got {type(kv).__name__}; "
                "for a Word2Vec model use MergeableKeyedVectors.from_word2vec(model)"
            )
        if type(kv) is cls and not copy:
            return kv
        new = cls.__new__(cls)
        if isinstance(kv, FastTextKeyedVectors):
            # keep only what a plain KeyedVectors holds: keys, whole-word vectors and attributes
            state = {k: kv.__dict__[k] for k in ("vector_size", "index_to_key", "next_index", "key_to_index",
                                                 "vectors", "norms", "expandos", "mapfile_path")
                     if k in kv.__dict__}
        else:
            state = dict(kv.__dict__)
        if copy:
            state["vectors"] = np.array(kv.vectors)
            state["index_to_key"] = list(kv.index_to_key)
            state["key_to_index"] = dict(kv.key_to_index)
            state["expandos"] = {name: np.array(values) for name, values in kv.expandos.items()}
            state["norms"] = None
            if "lifecycle_events" in state:
                state["lifecycle_events"] = list(state["lifecycle_events"])
            if isinstance(state.get("sources"), list):
                state["sources"] = list(state["sources"])
        new.__dict__.update(state)
        new._set_defaults()
        return new

    @classmethod
    def from_word2vec(cls, model: Word2Vec, *, copy: bool = True) -> MergeableKeyedVectors:
        """The vectors of a trained gensim Word2Vec model, as a MergeableKeyedVectors.

        Parameters
        ----------
        model : gensim.models.Word2Vec
        copy : bool, optional
            As in :meth:`from_keyed_vectors`; ``copy=False`` shares the model's arrays.

        Returns
        -------
        MergeableKeyedVectors

        Examples
        --------
        >>> from gensim.models import Word2Vec
        >>> from gensim.test.utils import common_texts
        >>> model = Word2Vec(common_texts, vector_size=8, min_count=1, workers=1, seed=1)
        >>> len(MergeableKeyedVectors.from_word2vec(model)) == len(model.wv)
        True
        """
        if not isinstance(model, Word2Vec) or not isinstance(getattr(model, "wv", None), KeyedVectors):
            raise IncompatibleModelError(
                f"from_word2vec needs a gensim Word2Vec model, got {type(model).__name__}; "
                "for plain vectors use MergeableKeyedVectors.from_keyed_vectors(kv)"
            )
        return cls.from_keyed_vectors(model.wv, copy=copy)

    def vectors_for_all(self, keys: Iterable[str], allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> MergeableKeyedVectors:
        """As :meth:`gensim.models.KeyedVectors.vectors_for_all`, returning this class."""
        kv = super().vectors_for_all(keys, allow_inference=allow_inference, copy_vecattrs=copy_vecattrs)
        return type(self).from_keyed_vectors(kv, copy=False)

    def add_vectors(self, keys: str | int | Iterable[str | int], weights: npt.ArrayLike,
                    extras: Mapping[str, npt.ArrayLike] | None = None, replace: bool = False) -> None:
        """As :meth:`gensim.models.KeyedVectors.add_vectors`, without two gensim 4 traps.

        gensim iterates the `extras` dict as if it held pairs (a ValueError), and leaves cached norms stale,
        so ``most_similar`` answers wrongly for changed or added vectors until they are reset. Here `extras`
        (``{attribute: array with one value per key}``) is stored for the given keys, every per-key attribute
        is resized to the new vocabulary (new keys get 0 where no value is given), and norms are reset.
        """
        key_list = [keys] if isinstance(keys, (str, int, np.integer)) else list(keys)
        known_before = np.fromiter((k in self.key_to_index for k in key_list), dtype=bool, count=len(key_list))
        super().add_vectors(keys, weights, replace=replace)
        self.norms = None
        self.allocate_vecattrs()
        for attr, values in (extras or {}).items():
            values = np.asarray(values)
            if len(values) != len(key_list):
                raise ValueError(
                    f"extras[{attr!r}] needs one value per key: {len(key_list)} keys, {len(values)} values")
            index = np.fromiter((self.key_to_index[k] for k in key_list), dtype=np.intp, count=len(key_list))
            take = np.ones(len(key_list), dtype=bool) if replace else ~known_before
            self.allocate_vecattrs([attr], [values.dtype.type])
            self.expandos[attr][index[take]] = values[take]

    # ------------------------------------------------------------------------------------------------
    # merging
    # ------------------------------------------------------------------------------------------------
    def merge_with(self, *others: KeyedVectors, names: Sequence[str] | None = None, strategy: MergeStrategy = "count",
                   align: bool = True, align_options: AlignOptionsLike = None, center_fit: bool | None = None,
                   chunk_size: int = DEFAULT_CHUNK_SIZE, progress: Progress | None = None,
                   count_rule: Literal["sum", "max"] = "sum") -> MergeableKeyedVectors:
        """One union-vocabulary model from this one and `others`, in this model's space.

        A thin front of :func:`gensim_merge.merge` with this model as the reference; see
        :mod:`gensim_merge.merging` for the combining strategies.

        Parameters
        ----------
        *others : gensim.models.KeyedVectors
        names : sequence of str, optional
            One name per model, this one first (default ``model0``, ``model1``, ...).
        strategy : {"count", "mean", "reference"}, optional
        align : bool, optional
            Align `others` onto this model first (default); False when they already share its space.
        align_options : dict, optional
            Options of :meth:`align_to` used for every alignment.
        center_fit : bool or None, optional
            Fit each rotation on mean-centred anchors and apply it without the translation (None: whenever
            aligning and `align_options` sets no ``center``; measured closer to joint training, see
            :func:`gensim_merge.merge`).
        chunk_size : int, optional
        progress : callable, optional
            Called with the number of input rows combined after every step (see :func:`gensim_merge.merge`).
        count_rule : {"sum", "max"}, default="sum"
            ``"max"`` when this model's counts already include the others' corpus (a model continued on a
            corpus, merged with that corpus's own model): a sum would count that corpus twice.

        Returns
        -------
        MergeableKeyedVectors

        Examples
        --------
        >>> import numpy as np
        >>> a, b = MergeableKeyedVectors(2), MergeableKeyedVectors(2)
        >>> a.add_vectors(["cat", "dog"], np.array([[1, 0], [0, 1]], dtype=np.float32))
        >>> b.add_vectors(["dog", "fish"], np.array([[0, 1], [1, 1]], dtype=np.float32))
        >>> merged = a.merge_with(b, names=["pets", "more"], strategy="mean", align=False)
        >>> merged.words_from("more", only=True)
        ['fish']
        """
        return MergeableKeyedVectors._from_merge_result(merge_vectors(
            [self, *others], reference=0, names=names, strategy=strategy, align=align, align_options=align_options,
            center_fit=center_fit, chunk_size=chunk_size, progress=progress, count_rule=count_rule))

    @classmethod
    def _from_merge_result(cls, result):
        """The model of a :class:`~gensim_merge.merging.MergeResult` (its arrays are used, not copied)."""
        merged = cls(result.vectors.shape[1], dtype=result.vectors.dtype)
        merged.index_to_key = result.keys
        merged.key_to_index = dict(zip(result.keys, range(len(result.keys))))
        merged.next_index = len(result.keys)
        merged.vectors = result.vectors
        merged.norms = None
        merged.expandos = {"provenance": result.provenance}
        if result.counts is not None:
            merged.expandos["count"] = result.counts
        merged.sources = list(result.sources)
        merged.merge_report = result.report
        report = result.report
        merged.add_lifecycle_event(
            "merge", sources=list(result.names), reference=report.reference, strategy=report.strategy,
            center_fit=report.center_fit, n_words=report.n_words, n_shared=report.n_shared,
        )
        return merged

    @classmethod
    def ensemble(cls, models: Sequence[KeyedVectors | Word2Vec], *, reference: int = 0,
                 names: Sequence[str] | None = None, align_options: AlignOptionsLike = None,
                 chunk_size: int = DEFAULT_CHUNK_SIZE) -> MergeableKeyedVectors:
        """An ensemble of models of the same corpus: every member aligned onto one, each word averaged.

        For several trainings of one corpus (e.g. seeds): each word is averaged over the members holding it,
        weighted by its count in each; the vocabulary is the union; ``count`` is the maximum over the members,
        never their sum (they saw the same corpus). See :func:`gensim_merge.ensembles.ensemble_vectors`.

        Parameters
        ----------
        models : sequence of {gensim.models.KeyedVectors, gensim.models.Word2Vec}
            At least one model, one vector size. Only read.
        reference : int, default=0
            The member whose space the result is in.
        names : sequence of str, optional
            One distinct name per member (default ``model0``, ...); :meth:`provenance` answers with them.
        align_options : AlignOptions or dict, optional
        chunk_size : int, optional

        Returns
        -------
        MergeableKeyedVectors
            With ``sources`` (the names), per-word ``provenance`` and ``estimates`` attributes (saved with the
            vectors) and an ``ensemble`` lifecycle event holding the report.

        Examples
        --------
        >>> from gensim.models import Word2Vec
        >>> from gensim.test.utils import common_texts
        >>> members = [Word2Vec(common_texts, vector_size=8, min_count=1, workers=1, seed=s) for s in (1, 2)]
        >>> kv = MergeableKeyedVectors.ensemble(members, align_options={"anchor_min_count": 0, "heldout": 0})
        >>> len(kv) == len(members[0].wv), kv.estimates("trees")
        (True, 2)
        """
        from gensim_merge.ensembles import ensemble_vectors

        record = ensemble_vectors(models, reference=reference, names=names, align_options=align_options,
                                  chunk_size=chunk_size)
        kv = cls(record.vectors.shape[1], dtype=record.vectors.dtype)
        kv.index_to_key = record.keys
        kv.key_to_index = {key: i for i, key in enumerate(record.keys)}
        kv.next_index = len(record.keys)
        kv.vectors = record.vectors
        if record.counts is not None:
            kv.expandos["count"] = record.counts
        kv.expandos["provenance"] = record.provenance
        kv.expandos["estimates"] = record.estimates
        kv.sources = list(record.names)
        kv.add_lifecycle_event("ensemble", **record.report.to_dict())
        return kv

    # ------------------------------------------------------------------------------------------------
    # continued training
    # ------------------------------------------------------------------------------------------------
    @classmethod
    def continue_from(cls, source: Word2Vec | KeyedVectors | PathType, corpus: Corpus | None = None, *,
                      corpus_file: PathType | None = None, epochs: int | None = None, alpha: float | None = None,
                      min_alpha: float | None = None, min_count: int | None = None,
                      min_count_rule: Literal["combined", "new"] = "combined", resort: bool = True,
                      rehearsal: Corpus | None = None, warm_start_epochs: int = 1,
                      word2vec_kwargs: Mapping[str, Any] | None = None, workers: int | None = None,
                      inplace: bool = False, seed: int | None = None, members: int = 1,
                      new_model: Word2Vec | KeyedVectors | Literal["train"] | None = None,
                      new_model_rules: Mapping[str, str] | None = None, align_options: AlignOptionsLike = None,
                      client: Any = None, allow_pickle: bool = False) -> MergeableKeyedVectors:
        """Continue training `source` on a new corpus; the updated vectors, with the full model attached.

        A thin front of :func:`gensim_merge.continuation.continue_training`, which does the work through
        gensim's ``build_vocab(corpus, update=True)`` and ``train`` on a copy of the source (the source is
        not modified unless ``inplace=True``). Every numeric option is range-checked before any work
        (:class:`~gensim_merge.errors.OptionError`).

        Parameters
        ----------
        source : {gensim.models.Word2Vec, str, os.PathLike, gensim.models.KeyedVectors}
            A full Word2Vec model (best: it carries the output layer), a path to one saved with
            ``Word2Vec.save`` (a pickle: refused unless ``allow_pickle=True``), or vectors alone (a warm start;
            see ``continue_training``).
        corpus : {iterable of list of str, str, os.PathLike}, optional
            The new corpus: restartable token lists, or a path to a UTF-8 text (or .gz) file with one
            whitespace-tokenised sentence per line. Exactly one of `corpus` and `corpus_file` is required.
        corpus_file : str, optional
            Path to an uncompressed LineSentence file, trained with gensim's ``corpus_file`` mode.
        epochs : int, optional
            Passes over the new corpus (at least 1); default the source's.
        alpha, min_alpha : float, optional
            Learning rate at the start (> 0) and end (in [0, alpha]); default the source's. The model's stored
            ``alpha``/``min_alpha`` are left as they were.
        min_count : int, optional
            Keep a new word seen at least this often (at least 1); default the source's ``min_count``.
        min_count_rule : {"combined", "new"}, default="combined"
            Judge `min_count` on old + new counts (old raw counts are known when the source kept
            ``raw_vocab``), or on the new corpus's alone as gensim does.
        resort : bool, default=True
            Re-sort the vocabulary by combined frequency (gensim leaves new words at the end).
        rehearsal : {iterable of list of str, str, os.PathLike}, optional
            A sample of the old corpus, interleaved evenly with the new one. Not with `corpus_file`.
        warm_start_epochs : int, default=1
            Warm start only: epochs (at least 0) spent learning the output layer while the given vectors are held.
        word2vec_kwargs : dict, optional
            Warm start only: parameters of the Word2Vec model built around the vectors (``window``,
            ``negative``, ``sg``, ``min_count``, ``seed``...).
        workers : int, optional
            Training threads (at least 1); default the source's.
        inplace : bool, default=False
            Update a Word2Vec `source` itself instead of a deep copy.
        seed : int, optional
            Seed of the continuation (default the source's).
        members : int, default=1
            Continued trainings with seeds ``seed, seed + 1, ...``, aligned onto the first and averaged:
            **k times the cost of one**.
        new_model : {None, "train", gensim.models.Word2Vec, gensim.models.KeyedVectors}, optional
            A model of the new corpus alone (``"train"``: trained here), aligned onto the continued vectors
            and combined with them per word group, weighted by evidence (counts are not added twice).
        new_model_rules : dict, optional
            Per word group (``added``/``shared``/``old``) rule for `new_model`: ``"evidence"``, ``"mean"``,
            ``"keep"`` (default: the measured best; see ``continue_training``).
        align_options : AlignOptions or dict, optional
            Options of the alignments of `members` and `new_model`.
        client : dask.distributed.Client, optional
            Train members 2..k (and ``new_model="train"``) on the client's workers (the ``dask`` extra).
        allow_pickle : bool, default=False
            Let a `source` path be unpickled (loading a pickle runs code stored in the file: only for files you
            trust). Without it a path is refused with :class:`~gensim_merge.errors.PickleNotAllowedError`.

        Returns
        -------
        MergeableKeyedVectors
            The continued vectors (sharing the continued model's arrays); ``result.model`` is the full model,
            ready to be continued again, and ``result.continuation_report`` says what was done. With `members`
            or `new_model`, :meth:`estimates` and :meth:`provenance` tell which estimates each word holds.

        Examples
        --------
        >>> from gensim.models import Word2Vec
        >>> from gensim.test.utils import common_texts
        >>> old = Word2Vec(common_texts[:5], vector_size=8, min_count=1, workers=1, seed=1)
        >>> new = MergeableKeyedVectors.continue_from(old, common_texts[5:])
        >>> "trees" in new and "trees" not in old.wv
        True
        >>> again = MergeableKeyedVectors.continue_from(new.model, [["human", "trees"]])
        """
        from gensim_merge.continuation import continue_training

        result = continue_training(
            source, corpus, corpus_file=corpus_file, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
            min_count=min_count, min_count_rule=min_count_rule, resort=resort, rehearsal=rehearsal,
            warm_start_epochs=warm_start_epochs, word2vec_kwargs=word2vec_kwargs, workers=workers, inplace=inplace,
            seed=seed, members=members, new_model=new_model, new_model_rules=new_model_rules,
            align_options=align_options, client=client, allow_pickle=allow_pickle)
        vectors = cls.from_word2vec(result.model, copy=False)
        vectors.model = result.model
        vectors.continuation_report = result.report
        if result.evidence is not None:
            vectors.expandos = {**vectors.expandos, "provenance": result.evidence.provenance,
                                "estimates": result.evidence.estimates}
            vectors.sources = list(result.evidence.sources)
        return vectors


# --------------------------------------------------------------------------------------------------------
# any file format (the public face is gensim_merge.io)


#: What :func:`load_vectors` (and :meth:`MergeableKeyedVectors.load`) return: fastText files keep their buckets.
LoadedVectors = Union[MergeableKeyedVectors, MergeableFastTextKeyedVectors]  # noqa: UP007 (evaluated: Python 3.9)


@overload
def load_vectors(path: PathType, *, fmt: VectorsFormat | None = ..., mmap: MmapMode | None = ...,
                 allow_pickle: bool = ..., encoding: str = ..., unicode_errors: str = ...,
                 return_format: Literal[False] = ...) -> LoadedVectors: ...
@overload
def load_vectors(path: PathType, *, fmt: VectorsFormat | None = ..., mmap: MmapMode | None = ...,
                 allow_pickle: bool = ..., encoding: str = ..., unicode_errors: str = ...,
                 return_format: Literal[True]) -> tuple[LoadedVectors, VectorsFormat]: ...
@overload
def load_vectors(path: PathType, *, fmt: VectorsFormat | None = ..., mmap: MmapMode | None = ...,
                 allow_pickle: bool = ..., encoding: str = ..., unicode_errors: str = ...,
                 return_format: bool = ...) -> LoadedVectors | tuple[LoadedVectors, VectorsFormat]: ...
def load_vectors(path: PathType, *, fmt: VectorsFormat | None = None, mmap: MmapMode | None = None,
                 allow_pickle: bool = False, encoding: str = "utf8", unicode_errors: str = "strict",
                 return_format: bool = False) -> LoadedVectors | tuple[LoadedVectors, VectorsFormat]:
    """Load word vectors from any supported file, detecting its format from its bytes (not its name).

    Parameters
    ----------
    path : str or os.PathLike
    fmt : {None, "native", "word2vec-text", "word2vec-binary", "safetensors", "fasttext-binary"}, optional
        Force a format instead of detecting it (``"native"`` still needs `allow_pickle`; a fastText binary
        is read by its own reader, never unpickled).
    mmap : {None, "r", "r+", "c"}, optional
        Memory-map the vectors (``"r"``: read-only) of safetensors files and of native files whose arrays were
        saved as side files (gensim does so above 10 MB); the word2vec formats are parsed into memory.
    allow_pickle : bool, optional
        Load gensim's native format, a Python pickle that runs code stored in the file (default False: such
        files are refused with :class:`~gensim_merge.errors.PickleNotAllowedError`, as ``numpy.load`` does).
    encoding, unicode_errors : str, optional
        How the words of word2vec files are decoded (as in gensim's ``load_word2vec_format``).
    return_format : bool, optional
        Return ``(vectors, format name)`` instead of the vectors alone.

    Returns
    -------
    MergeableKeyedVectors or MergeableFastTextKeyedVectors
        The latter for a fastText file (n-gram buckets included).

    Raises
    ------
    PickleNotAllowedError
        A native file without ``allow_pickle=True``.
    ModelFileEncodingError
        A word2vec file whose words are not in `encoding` (also a ``UnicodeDecodeError``).
    ModelFileError
        Missing, empty, truncated or unreadable files, naming the path and the expected content; a word2vec
        file whose header line does not match its records; a file that starts like a fastText binary but is
        not a complete one.
    IncompatibleModelError
        A native file holding something other than word vectors, or a supervised fastText model.
    DuplicateKeyError
        A safetensors file listing a key twice.

    Examples
    --------
    >>> import os, tempfile
    >>> kv = MergeableKeyedVectors(3)
    >>> kv.add_vectors(["new york", "café"], np.eye(2, 3, dtype=np.float32))
    >>> path = os.path.join(tempfile.mkdtemp(), "vectors.safetensors")
    >>> save_vectors(kv, path)
    'safetensors'
    >>> load_vectors(path, mmap="r").index_to_key
    ['new york', 'café']
    """
    return load_any(MergeableKeyedVectors, path, fmt=fmt, mmap=mmap, allow_pickle=allow_pickle, encoding=encoding,
                    unicode_errors=unicode_errors, return_format=return_format)


def save_vectors(kv: KeyedVectors | Word2Vec, path: PathType, *, fmt: VectorsFormat | None = None) -> str:
    """Save word vectors atomically, in the format named by `path`'s extension (or `fmt`).

    Parameters
    ----------
    kv : gensim.models.KeyedVectors or gensim.models.Word2Vec
        The vectors (of a Word2Vec model: its ``wv``). Not modified.
    path : str or os.PathLike
        ``.kv``/``.model`` native, ``.txt``/``.vec`` word2vec text, ``.bin`` word2vec binary,
        ``.safetensors`` pickle-free; ``.gz`` compresses all but safetensors.
    fmt : {None, "native", "word2vec-text", "word2vec-binary", "safetensors"}, optional
        Force a format regardless of the extension.

    Returns
    -------
    str
        The format written.

    Raises
    ------
    ValueError
        An extension naming no format.
    ModelFileError
        Keys that the chosen word2vec format cannot hold (empty, or containing whitespace), or a compressed
        safetensors destination.

    Notes
    -----
    The word2vec formats keep keys and vectors only (counts become a rank order when read back); the native
    and safetensors formats keep everything, and only safetensors is pickle-free.
    """
    return save_any(MergeableKeyedVectors, kv, path, fmt=fmt)


def merge(models: Iterable[KeyedVectors], *, reference: int | str = 0, names: Sequence[str] | None = None,
          strategy: MergeStrategy = "count", align: bool = True, align_options: AlignOptionsLike = None,
          center_fit: bool | None = None, chunk_size: int = DEFAULT_CHUNK_SIZE,
          progress: Progress | None = None, count_rule: Literal["sum", "max"] = "sum") -> LoadedVectors:
    """Merge several models into one union-vocabulary model in the reference's space.

    The model built from :func:`gensim_merge.merging.merge_vectors`, which does the work and documents every
    parameter (`models`, `reference`, `names`, `strategy`, `align`, `align_options`, `center_fit`,
    `chunk_size`, `progress`, `count_rule`: ``"max"`` when one input's counts already include another's corpus)
    and the combining strategies.

    Returns
    -------
    MergeableKeyedVectors or MergeableFastTextKeyedVectors
        The latter when every input is a fastText model. Every word of every input; real counts combined
        into ``count`` (rank stand-ins never added to them: see :mod:`gensim_merge.merging`); ordered by combined count (ties: the reference's order, then by key); ``provenance``
        attribute (bit mask) and ``sources`` say which inputs held each word (see
        :meth:`MergeableKeyedVectors.provenance`); ``merge_report`` says what was done.

    Raises
    ------
    DimensionMismatchError, DuplicateKeyError, EmptyModelError, NonFiniteVectorsError, AnchorError

    Examples
    --------
    >>> a, b = MergeableKeyedVectors(2), MergeableKeyedVectors(2)
    >>> a.add_vectors(["cat", "dog"], np.array([[1, 0], [0, 1]], dtype=np.float32))
    >>> b.add_vectors(["dog", "fish"], np.array([[0, 1], [1, 1]], dtype=np.float32))
    >>> merged = merge([a, b], strategy="mean", align=False)
    >>> merged.index_to_key, merged.provenance("dog")
    (['cat', 'dog', 'fish'], ['model0', 'model1'])
    """
    models = list(models)
    n_fasttext = sum(isinstance(kv, FastTextKeyedVectors) for kv in models)
    if n_fasttext and n_fasttext == len(models):
        return merge_fasttext_models(models, reference=reference, names=names, strategy=strategy, align=align,
                                     align_options=align_options, center_fit=center_fit, chunk_size=chunk_size,
                                     progress=progress, count_rule=count_rule)
    if n_fasttext:
        raise IncompatibleModelError(
            f"{n_fasttext} of the {len(models)} models are fastText models: merge fastText models together (their "
            "n-gram buckets are combined too), or convert them to plain vectors first "
            "(MergeableKeyedVectors.from_keyed_vectors(model, copy=False) keeps the whole-word vectors only)")
    return MergeableKeyedVectors._from_merge_result(merge_vectors(
        models, reference=reference, names=names, strategy=strategy, align=align, align_options=align_options,
        center_fit=center_fit, chunk_size=chunk_size, progress=progress, count_rule=count_rule))
