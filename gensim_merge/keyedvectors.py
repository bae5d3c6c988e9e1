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

import contextlib
import logging
import os
import pickle
import warnings

import gensim.models.keyedvectors as gensim_keyedvectors
import numpy as np
import scipy.sparse
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.fasttext import FastTextKeyedVectors

from gensim_merge import _formats
from gensim_merge._io import atomic_output
from gensim_merge._safetensors import is_safetensors_file, read_vectors_file, write_vectors_file
from gensim_merge._validation import (
    check_integer,
    check_keyed_vectors,
    check_word2vec_keys,
)
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, Alignment, AlignOptions, fit_between
from gensim_merge.errors import IncompatibleModelError, ModelFileError, NotMergedError
from gensim_merge.merging import MergeReport, merge

__all__ = ["MergeableKeyedVectors", "load_vectors", "save_vectors"]

logger = logging.getLogger(__name__)

#: Attribute under which our metadata travels inside a plain-gensim file.
METADATA_ATTR = "gensim_merge_metadata"
#: Attributes of MergeableKeyedVectors that plain KeyedVectors does not have (defaults in _set_defaults).
_OWN_ATTRS = ("alignment", "sources", "merge_report", "model", "continuation_report")


@contextlib.contextmanager
def _gensim_names_own_class():
    """Let gensim's methods find gensim's own KeyedVectors under its module name while they run.

    gensim's ``load``/``save`` code calls ``super(KeyedVectors, self)`` with the *module-level* name. A user (or
    gensim's own test-suite) who makes the subclass a drop-in by assigning it to
    ``gensim.models.keyedvectors.KeyedVectors`` would otherwise break that call (``TypeError: super(type, obj)``
    for a plain object, endless recursion for ours). The assignment is put back as found afterwards.
    """
    found = gensim_keyedvectors.KeyedVectors
    if found is KeyedVectors:
        yield
        return
    gensim_keyedvectors.KeyedVectors = KeyedVectors
    try:
        yield
    finally:
        gensim_keyedvectors.KeyedVectors = found


class MergeableKeyedVectors(KeyedVectors):
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

    def __init__(self, vector_size, count=0, dtype=np.float32, mapfile_path=None):
        super().__init__(vector_size, count=count, dtype=dtype, mapfile_path=mapfile_path)
        self._set_defaults()

    def _set_defaults(self):
        for name, default in (("alignment", None), ("sources", []), ("merge_report", None), ("model", None),
                              ("continuation_report", None)):
            if not hasattr(self, name):
                setattr(self, name, default)

    def _load_specials(self, *args, **kwargs):
        with _gensim_names_own_class():
            super()._load_specials(*args, **kwargs)
        self._restore_metadata()

    def _restore_metadata(self):
        self._metadata_from_dict(self.__dict__.pop(METADATA_ATTR, None) or {})
        self._set_defaults()

    def _metadata_to_dict(self):
        """Our own attributes as plain data (str, numbers, lists, dicts, numpy arrays): what every file
        format stores besides keys, vectors and per-key attributes. Inverse: :meth:`_metadata_from_dict`."""
        return {
            "alignment": self.alignment.to_dict() if self.alignment is not None else None,
            "sources": list(self.sources),
            "merge_report": self.merge_report.to_dict() if self.merge_report is not None else None,
        }

    def _metadata_from_dict(self, metadata):
        if metadata.get("alignment") is not None:
            self.alignment = Alignment.from_dict(metadata["alignment"])
        if metadata.get("sources") is not None:
            self.sources = list(metadata["sources"])
        if metadata.get("merge_report") is not None:
            self.merge_report = MergeReport.from_dict(metadata["merge_report"])

    # ------------------------------------------------------------------------------------------------
    # construction and conversion
    # ------------------------------------------------------------------------------------------------
    @classmethod
    def from_keyed_vectors(cls, kv, *, copy=True):
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
    def from_word2vec(cls, model, *, copy=True):
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

    @classmethod
    def load(cls, fname, mmap=None):
        """Load vectors saved by gensim (``KeyedVectors.save`` or ``Word2Vec.save``) or by this class.

        gensim's API, and like it a pickle loader: use it on trusted files only (see Notes). A real
        ``.safetensors`` file (its header is checked before anything is unpickled) is read safely instead.

        Parameters
        ----------
        fname : str
            Path of a file written by gensim's native ``save`` (or of a safetensors vectors file).
        mmap : {None, "r", "r+"}, optional
            Memory-map the large arrays (``"r"``: read-only) instead of reading them into memory, as in gensim.

        Returns
        -------
        MergeableKeyedVectors
            The vectors (of a full Word2Vec model: its ``wv``), sharing the loaded arrays.

        Raises
        ------
        ModelFileError
            The file is missing, truncated or not a gensim file.
        IncompatibleModelError
            The file holds something other than word vectors (e.g. a Doc2Vec or FastText model).

        Notes
        -----
        gensim's native format is a Python pickle: loading runs code stored in the file. Only load files
        you trust; :func:`gensim_merge.io.load_vectors` refuses pickles unless ``allow_pickle=True``.
        """
        if is_safetensors_file(fname):
            return cls._from_vectors_file(read_vectors_file(fname, mmap=mmap))
        try:
            with _gensim_names_own_class():
                obj = super().load(fname, mmap=mmap)
        except FileNotFoundError as err:
            raise ModelFileError(f"no such model file: {fname}") from err
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as err:
            raise ModelFileError(
                f"cannot read {fname} as a gensim model ({type(err).__name__}: {err}); is it truncated, or a "
                "word2vec-format file? For those use MergeableKeyedVectors.load_word2vec_format"
            ) from err
        return cls._adopt(obj, fname)

    @classmethod
    def _from_vectors_file(cls, content):
        """A model from a :class:`~gensim_merge._safetensors.VectorsFile` (keys, vectors, metadata...)."""
        kv = cls(content.vectors.shape[1], dtype=content.vectors.dtype)
        kv.index_to_key = content.keys
        kv.key_to_index = {key: i for i, key in enumerate(content.keys)}
        kv.next_index = len(content.keys)
        kv.vectors = content.vectors
        kv.expandos = dict(content.attributes)
        kv._metadata_from_dict(content.metadata)
        if content.events:
            kv.lifecycle_events = list(content.events)
        return kv

    @classmethod
    def _adopt(cls, obj, fname):
        if isinstance(obj, Word2Vec):
            logger.info("%s holds a full %s model; taking its word vectors", fname, type(obj).__name__)
            obj = obj.wv
        if isinstance(obj, FastTextKeyedVectors) or not isinstance(obj, KeyedVectors):
            raise IncompatibleModelError(
                f"{fname} holds a {type(obj).__name__}, not word2vec vectors; FastText and Doc2Vec models "
                "are not supported (from a FastText model, MergeableKeyedVectors.from_keyed_vectors(model.wv) "
                "keeps the whole-word vectors only)"
            )
        if METADATA_ATTR in obj.__dict__ or type(obj) is not cls:
            obj = cls.from_keyed_vectors(obj, copy=False)
        obj._restore_metadata()
        return obj

    @classmethod
    def load_word2vec_format(cls, fname, fvocab=None, binary=False, encoding="utf8", unicode_errors="strict",
                             limit=None, datatype=np.float32, no_header=False):
        """As :meth:`gensim.models.KeyedVectors.load_word2vec_format`, with our errors and no blank keys.

        gensim keeps the first of a duplicated word but leaves an empty (``None``) key with a zero vector
        at the end for each duplicate; here those slots are dropped (with one warning giving the count).

        Raises
        ------
        ModelFileEncodingError
            A word is not valid in `encoding` (also a ``UnicodeDecodeError``, as from gensim).
        ModelFileError
            The file is missing, truncated, or not in the word2vec format.
        """
        try:
            kv = super().load_word2vec_format(
                fname, fvocab=fvocab, binary=binary, encoding=encoding, unicode_errors=unicode_errors,
                limit=limit, datatype=datatype, no_header=no_header,
            )
        except FileNotFoundError as err:
            raise ModelFileError(f"no such word2vec file: {fname}") from err
        except _formats.WORD2VEC_READ_ERRORS as err:
            raise _formats.word2vec_read_error(err, fname, binary=binary, encoding=encoding) from err
        n_keys = len(kv.key_to_index)
        if n_keys < len(kv.index_to_key):
            n_dupes = len(kv.index_to_key) - n_keys
            warnings.warn(f"{fname} lists {n_dupes} word(s) more than once; kept the first occurrence of each "
                          "(gensim's rule) and dropped the others", UserWarning, stacklevel=2)
            kv.index_to_key = kv.index_to_key[:n_keys]
            kv.vectors = np.ascontiguousarray(kv.vectors[:n_keys])
            kv.expandos = {name: values[:n_keys] for name, values in kv.expandos.items()}
            kv.next_index = n_keys
            kv.norms = None
        return kv

    def vectors_for_all(self, keys, allow_inference=True, copy_vecattrs=False):
        """As :meth:`gensim.models.KeyedVectors.vectors_for_all`, returning this class."""
        kv = super().vectors_for_all(keys, allow_inference=allow_inference, copy_vecattrs=copy_vecattrs)
        return type(self).from_keyed_vectors(kv, copy=False)

    def add_vectors(self, keys, weights, extras=None, replace=False):
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
    # saving
    # ------------------------------------------------------------------------------------------------
    def _plain_copy(self):
        """A plain gensim KeyedVectors sharing our arrays, with our extras as plain data."""
        plain = KeyedVectors.__new__(KeyedVectors)
        state = {k: v for k, v in self.__dict__.items() if k not in _OWN_ATTRS}
        state["norms"] = None  # a derived cache; recomputed on demand
        state[METADATA_ATTR] = self._metadata_to_dict()
        plain.__dict__.update(state)
        return plain

    def save(self, fname, *args, **kwargs):
        """Save in gensim's native format, atomically; the file loads in plain gensim too.

        Takes the arguments of :meth:`gensim.utils.SaveLoad.save` (``separately``, ``sep_limit``, ``ignore``,
        ``pickle_protocol``). The data is written beside `fname` and renamed over it at the end, so an
        interrupted save leaves an existing file intact. The attached full ``model`` is not saved.
        A name ending in ``.safetensors`` is written in that pickle-free format instead (the pickle
        options do not apply to it).

        Parameters
        ----------
        fname : str
            Path of the file (large arrays go to ``fname.<name>.npy`` side files, as in gensim).
        """
        if not isinstance(fname, (str, bytes)) and not hasattr(fname, "__fspath__"):
            raise TypeError(f"save needs a file path (atomic saves cannot write to an open handle), got {fname!r}")
        if os.fsdecode(fname).lower().endswith(".safetensors"):
            self._save_safetensors(fname)
            return
        plain = self._plain_copy()
        separately = kwargs.get("separately", args[0] if args else None) or []
        not_arrays = [name for name in separately if name in plain.__dict__
                      and not isinstance(plain.__dict__[name], np.ndarray)
                      and not scipy.sparse.issparse(plain.__dict__[name])]
        if not_arrays:  # gensim sets such attributes aside and writes nothing: they would load as None
            raise ValueError(f"separately names {not_arrays}, which are not arrays: gensim would leave them out of "
                             "the file; name array attributes only (e.g. separately=['vectors'])")
        with atomic_output(fname) as tmp, _gensim_names_own_class():
            plain.save(tmp, *args, **kwargs)
        if "lifecycle_events" in plain.__dict__:
            self.lifecycle_events = plain.lifecycle_events
        logger.info("saved %s to %s", self, fname)

    def _save_safetensors(self, fname):
        write_vectors_file(fname, keys=self.index_to_key, vectors=self.vectors, attributes=self.expandos,
                           metadata=self._metadata_to_dict(), events=getattr(self, "lifecycle_events", None))

    def save_word2vec_format(self, fname, fvocab=None, binary=False, **kwargs):
        """As :meth:`gensim.models.KeyedVectors.save_word2vec_format`, written atomically.

        With ``append=True`` the existing file is copied and appended to, then renamed over the original.

        Raises
        ------
        ModelFileError
            Keys the format cannot hold (empty, containing whitespace, or not encodable as UTF-8): the file
            would load back with different keys (gensim writes them anyway).
        """
        check_word2vec_keys(self.index_to_key, "word2vec-binary" if binary else "word2vec-text")
        if kwargs.get("append"):
            import shutil

            with atomic_output(fname) as tmp:
                shutil.copyfile(fname, tmp)
                super().save_word2vec_format(tmp, fvocab=fvocab, binary=binary, **kwargs)
            return
        if fvocab is not None:
            with atomic_output(fname) as tmp, atomic_output(fvocab) as tmp_vocab:
                super().save_word2vec_format(tmp, fvocab=tmp_vocab, binary=binary, **kwargs)
        else:
            with atomic_output(fname) as tmp:
                super().save_word2vec_format(tmp, binary=binary, **kwargs)

    # ------------------------------------------------------------------------------------------------
    # alignment
    # ------------------------------------------------------------------------------------------------
    def align_to(
        self, target, anchors=AlignOptions.anchors, *, method=AlignOptions.method, center=AlignOptions.center,
        normalize=AlignOptions.normalize, ridge=AlignOptions.ridge, n_anchors=AlignOptions.n_anchors,
        anchor_min_count=AlignOptions.anchor_min_count, on_missing=AlignOptions.on_missing, trim=AlignOptions.trim,
        trim_threshold=AlignOptions.trim_threshold, heldout=AlignOptions.heldout, seed=AlignOptions.seed,
        chunk_size=DEFAULT_CHUNK_SIZE,
    ):
        """Map every word of this model into `target`'s space.

        The options are those of :class:`~gensim_merge.alignment.AlignOptions` (defaults and allowed ranges
        there), all checked before any work.

        Parameters
        ----------
        target : gensim.models.KeyedVectors
            The model whose space (and scale) the result lives in. Not modified.
        anchors : None, list of (str, str), dict, iterable of str, str or os.PathLike, optional
            Guide-post pairs (source word, target word). None (default): the words both models share, most
            frequent first (see :func:`gensim_merge.anchors.shared_anchors`); a list of pairs, a dict, a list
            of words present in both, or the path of a two-column pair file for models whose vocabularies
            differ (two languages).
        method : {"orthogonal", "linear"}, optional
            Orthogonal Procrustes (default: keeps the geometry of the source) or a general least-squares map
            (with optional `ridge`); ``method="linear", trim=False`` on unit vectors reproduces gensim's
            TranslationMatrix.
        center, normalize : bool, optional
            Preprocessing of the anchors for the fit (see :func:`gensim_merge.alignment.fit_alignment`).
        ridge : float, optional
            Regularisation of the linear map (>= 0).
        n_anchors : int or None, optional
            Cap on shared-word anchors (most frequent first; >= 2).
        anchor_min_count : int, optional
            Skip shared words seen fewer times than this in either corpus (where counts are known; >= 0).
        on_missing : {"raise", "skip"}, optional
            Explicit pairs naming a word a model lacks.
        trim : bool, optional
            Robust refit: drop anchors whose residual is far out (words used in a different sense) and refit.
            The dropped words are listed in ``result.alignment.report.trimmed``.
        trim_threshold : float, optional
            How far out (in robust standard deviations of the residuals) an anchor must be to be dropped (> 0).
        heldout : float, optional
            Share of anchors held out of the fit to estimate quality (``report.heldout_*``), in [0, 1).
        seed : int, optional
            Seeds the held-out draw (>= 0).
        chunk_size : int, optional
            Rows mapped per matrix product (bounds temporary memory; a memory-mapped model is streamed; >= 1).

        Returns
        -------
        MergeableKeyedVectors
            A new model with every key, count and attribute of this one, its vectors mapped into `target`'s
            space; ``result.alignment`` holds the fitted map and its report.

        Raises
        ------
        OptionError
            An option out of its range, or of the wrong type (:class:`~gensim_merge.errors.OptionTypeError`).
        DimensionMismatchError, AnchorError, NonFiniteVectorsError, EmptyModelError, IncompatibleModelError

        Examples
        --------
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> words = [f"w{i}" for i in range(60)]
        >>> target = MergeableKeyedVectors(8)
        >>> target.add_vectors(words, rng.normal(size=(60, 8)).astype(np.float32))
        >>> Q, _ = np.linalg.qr(rng.normal(size=(8, 8)))
        >>> source = MergeableKeyedVectors(8)
        >>> source.add_vectors(words, (target.vectors @ Q).astype(np.float32))
        >>> aligned = source.align_to(target)
        >>> bool(np.allclose(aligned.vectors, target.vectors, atol=1e-5))
        True
        """
        chunk_size = check_integer(chunk_size, "chunk_size", low=1)  # before the fit, not after it
        alignment = self.alignment_to(
            target, anchors, method=method, center=center, normalize=normalize, ridge=ridge, n_anchors=n_anchors,
            anchor_min_count=anchor_min_count, on_missing=on_missing, trim=trim, trim_threshold=trim_threshold,
            heldout=heldout, seed=seed,
        )
        return self.apply_alignment(alignment, chunk_size=chunk_size)

    def alignment_to(
        self, target, anchors=AlignOptions.anchors, *, method=AlignOptions.method, center=AlignOptions.center,
        normalize=AlignOptions.normalize, ridge=AlignOptions.ridge, n_anchors=AlignOptions.n_anchors,
        anchor_min_count=AlignOptions.anchor_min_count, on_missing=AlignOptions.on_missing, trim=AlignOptions.trim,
        trim_threshold=AlignOptions.trim_threshold, heldout=AlignOptions.heldout, seed=AlignOptions.seed,
    ):
        """Fit the map :meth:`align_to` would apply, without mapping the model.

        Takes the options of :meth:`align_to` (but `chunk_size`) and returns the fitted
        :class:`~gensim_merge.alignment.Alignment`; apply it with :meth:`apply_alignment`. The same as
        :func:`gensim_merge.alignment.fit_between` with an :class:`~gensim_merge.alignment.AlignOptions`.
        """
        options = AlignOptions(
            anchors=anchors, method=method, center=center, normalize=normalize, ridge=ridge, n_anchors=n_anchors,
            anchor_min_count=anchor_min_count, on_missing=on_missing, trim=trim, trim_threshold=trim_threshold,
            heldout=heldout, seed=seed,
        )
        return fit_between(self, target, options)

    def apply_alignment(self, alignment, *, chunk_size=DEFAULT_CHUNK_SIZE, progress=None):
        """A new model with this model's vectors mapped by a fitted :class:`Alignment`.

        Parameters
        ----------
        alignment : Alignment
            E.g. ``other.alignment`` from an earlier :meth:`align_to`, or ``Alignment.load(path)``.
        chunk_size : int, optional
            Rows mapped per step (>= 1).
        progress : callable, optional
            Called with the number of rows mapped after each step (see :meth:`Alignment.apply`).

        Returns
        -------
        MergeableKeyedVectors
        """
        if not isinstance(alignment, Alignment):
            raise IncompatibleModelError(f"apply_alignment needs an Alignment, got {type(alignment).__name__}")
        check_keyed_vectors(self, "source")
        logger.info("mapping %i vectors with the %s alignment", len(self), alignment.method)
        mapped = alignment.apply(self.vectors, chunk_size=chunk_size, keys=self.index_to_key, progress=progress)
        result = self._with_vectors(mapped)
        result.alignment = alignment
        report = alignment.report
        result.add_lifecycle_event(
            "align_to", method=alignment.method, n_anchors=report.n_anchors, n_used=report.n_used,
            n_trimmed=len(report.trimmed), mean_cosine=round(report.mean_cosine, 6),
        )
        return result

    def _with_vectors(self, vectors):
        """A new object with our keys and attributes (copied) and the given vectors."""
        new = type(self)(self.vector_size, dtype=vectors.dtype)
        new.index_to_key = list(self.index_to_key)
        new.key_to_index = dict(self.key_to_index)
        new.next_index = len(new.index_to_key)
        new.expandos = {name: np.array(values) for name, values in self.expandos.items()}
        new.vectors = vectors
        new.sources = list(self.sources)
        return new

    # ------------------------------------------------------------------------------------------------
    # merging
    # ------------------------------------------------------------------------------------------------
    def merge_with(self, *others, names=None, strategy="count", align=True, align_options=None, center_fit=None,
                   chunk_size=DEFAULT_CHUNK_SIZE):
        """One union-vocabulary model from this one and `others`, in this model's space.

        A thin front of :func:`gensim_merge.merging.merge` with this model as the reference; see there for
        the combining strategies.

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
            :func:`gensim_merge.merging.merge`).
        chunk_size : int, optional

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
        return merge([self, *others], reference=0, names=names, strategy=strategy, align=align,
                     align_options=align_options, center_fit=center_fit, chunk_size=chunk_size)

    def _check_merged(self, method):
        if not self.sources or "provenance" not in self.expandos:
            raise NotMergedError(
                f"{method} needs a model produced by merging (merge_with / gensim_merge.merge), which records "
                f"which input held each word; this {type(self).__name__} was never merged"
            )

    def provenance(self, key):
        """Names of the merged inputs that held `key`.

        Raises
        ------
        KeyError
            When `key` is not in the model.
        NotMergedError
            When the model was not produced by a merge (it records no inputs).

        Examples
        --------
        >>> import numpy as np
        >>> a, b = MergeableKeyedVectors(2), MergeableKeyedVectors(2)
        >>> a.add_vectors(["cat", "dog"], np.eye(2, dtype=np.float32))
        >>> b.add_vectors(["dog", "fish"], np.eye(2, dtype=np.float32))
        >>> merged = a.merge_with(b, names=["a", "b"], strategy="mean", align=False)
        >>> merged.provenance("dog"), merged.provenance("fish")
        (['a', 'b'], ['b'])
        """
        index = self.get_index(key)
        self._check_merged("provenance")
        bits = int(self.expandos["provenance"][index])
        return [name for bit, name in enumerate(self.sources) if bits >> bit & 1]

    def words_from(self, source, *, only=False):
        """The words that the merged input `source` held (``only=True``: held by no other input).

        Vectorised over the vocabulary; returns the words in the model's order.

        Raises
        ------
        KeyError
            When `source` is not one of the merged inputs' names.
        NotMergedError
            When the model was not produced by a merge.
        """
        self._check_merged("words_from")
        if source not in self.sources:
            raise KeyError(f"{source!r} is not one of this model's sources {self.sources}")
        mask = np.asarray(self.expandos["provenance"], dtype=np.uint64)
        bit = np.uint64(1) << np.uint64(self.sources.index(source))
        selected = (mask == bit) if only else (mask & bit) != 0
        return [self.index_to_key[i] for i in np.flatnonzero(selected)]

    def estimates(self, key=None):
        """How many independent estimates were averaged into `key` (or, without a key, into the words).

        Set by :meth:`ensemble` and by :meth:`continue_from` with ``members`` or ``new_model``; saved with the
        vectors (a per-word attribute). :meth:`provenance` names the inputs that contributed.

        Returns
        -------
        int or dict
            For a key, its number of estimates; without one, ``{"1": words, "2": words, ...}``.

        Raises
        ------
        KeyError
            When `key` is not in the model.
        NotMergedError
            When the model records no estimates (it was not combined from several).

        Examples
        --------
        >>> import numpy as np
        >>> a, b = MergeableKeyedVectors(3), MergeableKeyedVectors(3)
        >>> a.add_vectors(["cat", "dog", "owl"], np.eye(3, dtype=np.float32))
        >>> b.add_vectors(["dog", "owl", "fish"], np.eye(3, dtype=np.float32)[[1, 2, 0]])
        >>> both = MergeableKeyedVectors.ensemble([a, b], names=["s1", "s2"], align_options={"anchor_min_count": 0,
        ...                                       "heldout": 0, "trim": False})
        >>> both.estimates("dog"), both.provenance("dog"), both.estimates()
        (2, ['s1', 's2'], {'1': 2, '2': 2})
        """
        if "estimates" not in self.expandos:
            raise NotMergedError("estimates needs a model combined from several estimates (MergeableKeyedVectors"
                                 ".ensemble, or continue_from with members or new_model); this one records none")
        if key is None:
            counts = np.bincount(np.asarray(self.expandos["estimates"], dtype=np.int64))
            return {str(n): int(c) for n, c in enumerate(counts) if c}
        return int(self.expandos["estimates"][self.get_index(key)])

    @classmethod
    def ensemble(cls, models, *, reference=0, names=None, align_options=None, chunk_size=DEFAULT_CHUNK_SIZE):
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
    def continue_from(cls, source, corpus=None, *, corpus_file=None, epochs=None, alpha=None, min_alpha=None,
                      min_count=None, min_count_rule="combined", resort=True, rehearsal=None, warm_start_epochs=1,
                      word2vec_kwargs=None, workers=None, inplace=False, seed=None, members=1, new_model=None,
                      new_model_rules=None, align_options=None, client=None):
        """Continue training `source` on a new corpus; the updated vectors, with the full model attached.

        A thin front of :func:`gensim_merge.continuation.continue_training`, which does the work through
        gensim's ``build_vocab(corpus, update=True)`` and ``train`` on a copy of the source (the source is
        not modified unless ``inplace=True``). Every numeric option is range-checked before any work
        (:class:`~gensim_merge.errors.OptionError`).

        Parameters
        ----------
        source : {gensim.models.Word2Vec, str, os.PathLike, gensim.models.KeyedVectors}
            A full Word2Vec model (best: it carries the output layer), a path to one saved with
            ``Word2Vec.save``, or vectors alone (a warm start; see ``continue_training``).
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
            align_options=align_options, client=client)
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


def load_vectors(path, *, fmt=None, mmap=None, allow_pickle=False, encoding="utf8", unicode_errors="strict",
                 return_format=False):
    """Load word vectors from any supported file, detecting its format from its bytes (not its name).

    Parameters
    ----------
    path : str or os.PathLike
    fmt : {None, "native", "word2vec-text", "word2vec-binary", "safetensors"}, optional
        Force a format instead of detecting it.
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
    MergeableKeyedVectors

    Raises
    ------
    PickleNotAllowedError
        A native file without ``allow_pickle=True``.
    ModelFileEncodingError
        A word2vec file whose words are not in `encoding` (also a ``UnicodeDecodeError``).
    ModelFileError
        Missing, empty, truncated or unreadable files, naming the path and the expected content.
    IncompatibleModelError
        A fastText binary, or a native file holding something other than word2vec vectors.
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
    path = os.fspath(path)
    if mmap not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap must be None, 'r', 'r+' or 'c', got {mmap!r}")
    found = _formats.sniff(path)
    if fmt is None:
        fmt = found.fmt
    elif _formats.check_fmt(fmt) != found.fmt:
        logger.warning("%s looks like %s but fmt=%r was requested; reading it as %s", path, found.fmt, fmt, fmt)
    if fmt == "native" and not allow_pickle:
        raise _formats.refuse_pickle(path)
    if fmt == "native":
        kv = MergeableKeyedVectors.load(path, mmap=mmap)
    elif fmt == "safetensors":
        kv = MergeableKeyedVectors._from_vectors_file(read_vectors_file(path, mmap=mmap))
    else:
        if mmap is not None:
            logger.warning("%s is in the %s format, which is parsed, not memory-mapped: reading it into memory "
                           "(convert it to .safetensors to memory-map it)", path, fmt)
        if found.compressed and not path.lower().endswith((".gz", ".gzip")):
            raise ModelFileError(f"{path!r} is gzip-compressed but its name does not end in .gz, which gensim "
                                 "needs to decompress it; rename it to end in .gz")
        kv = MergeableKeyedVectors.load_word2vec_format(
            path, binary=fmt == "word2vec-binary", no_header=found.no_header, encoding=encoding,
            unicode_errors=unicode_errors)
    logger.info("loaded %s from %s as %s", kv, path, _formats.describe_format(fmt, compressed=found.compressed))
    return (kv, fmt) if return_format else kv


def save_vectors(kv, path, *, fmt=None):
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
    path = os.fspath(path)
    if fmt is None:
        fmt, compressed = _formats.format_for_path(path)
    else:
        _formats.check_fmt(fmt)
        compressed = path.lower().endswith(".gz")
    if fmt != "safetensors" and path.lower().endswith(".safetensors"):
        raise ModelFileError(f"{path!r}: a .safetensors file must hold the pickle-free format, not {fmt!r}; "
                             "choose another name or leave fmt unset")
    if isinstance(kv, Word2Vec):
        kv = MergeableKeyedVectors.from_word2vec(kv, copy=False)
    elif isinstance(kv, KeyedVectors):
        kv = MergeableKeyedVectors.from_keyed_vectors(kv, copy=False)
    else:
        raise IncompatibleModelError(f"save_vectors needs gensim KeyedVectors (or a Word2Vec model), got "
                                     f"{type(kv).__name__}")
    if fmt == "safetensors" and compressed:
        raise ModelFileError(f"{path!r}: safetensors files are not compressed (they are memory-mapped); drop the "
                             ".gz")
    if fmt == "safetensors":
        kv._save_safetensors(path)
    elif fmt == "native":
        kv.save(path)
    else:
        kv.save_word2vec_format(path, binary=fmt == "word2vec-binary")
    logger.info("saved %s to %s as %s", kv, path, _formats.describe_format(fmt, compressed=compressed))
    return fmt
