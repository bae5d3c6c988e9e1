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

# ruff: noqa: PYI019  (typing.Self needs Python 3.11; a TypeVar types the returned class on 3.9)

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import gensim.models.keyedvectors as gensim_keyedvectors
import numpy as np
import numpy.typing as npt
import scipy.sparse
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.fasttext import FastTextKeyedVectors

from gensim_merge import _files
from gensim_merge._files import (
    WORD2VEC_FORMATS,
    apply_metadata,
    atomic_output,
    check_fingerprints,
    check_rows,
    fingerprints,
    holds_fasttext,
    is_fasttext_file,
    is_safetensors_file,
    load_fasttext_file,
    read_vectors_file,
    read_word2vec,
    refuse_native_options,
    save_format,
    starts_like_facebook,
    write_vectors_file,
)
from gensim_merge._mixins import METADATA_ATTR, OWN_ATTRS, AlignmentMixin, EvidenceMixin, MetadataMixin
from gensim_merge._typing import Corpus, MergeStrategy, PathType, Progress
from gensim_merge._validation import check_word2vec_keys
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, AlignOptionsLike
from gensim_merge.errors import IncompatibleModelError, ModelFileError, ModelFileNotFoundError
from gensim_merge.merging import merge_vectors

__all__ = ["FilesMixin", "MergeableKeyedVectors", "load_safetensors"]

logger = logging.getLogger(__name__)


def load_safetensors(cls: type[_Model], fname: PathType,
                     mmap: str | None = None) -> _Model | FastTextKeyedVectors:
    """A model from a safetensors vectors file: a fastText model (with its buckets) when the file holds one,
    else `cls` (word2vec vectors)."""
    if holds_fasttext(fname):  # the fastText class reads it (pickle-free), with its buckets: read once
        return load_fasttext_file(fname, allow_pickle=True, mmap=mmap)
    return cls._from_vectors_file(read_vectors_file(fname, mmap=mmap), os.fsdecode(fname))


if TYPE_CHECKING:  # the type checker sees the KeyedVectors methods the mixin extends; at run time a plain mixin
    from gensim.models import KeyedVectors as _MixinBase
else:
    _MixinBase = object
#: The class a method is called on (``MergeableKeyedVectors``, or a subclass): what it builds.
_Model = TypeVar("_Model", bound="FilesMixin")


class FilesMixin(MetadataMixin, _MixinBase):
    """Loading and saving for the class: every format, gensim's contract kept (see the module docstring)."""

    def _load_specials(self, *args, **kwargs):
        with _gensim_names_own_class():
            super()._load_specials(*args, **kwargs)
        self._restore_metadata()

    @classmethod
    def load(cls: type[_Model], fname: str, mmap: str | None = None) -> _Model | FastTextKeyedVectors:
        """Load vectors saved by gensim (``KeyedVectors.save`` or ``Word2Vec.save``) or by this class.

        gensim's API, and like it a pickle loader: use it on trusted files only (see Notes). The format is
        decided from the file's bytes before anything is unpickled: a ``.safetensors`` file, a Facebook fastText
        ``.bin`` or a word2vec text/binary file (what ``save("x.txt")``/``save("x.bin")`` write) is read by its
        own reader, and never unpickled when it turns out damaged. A pickle under a name that promises data only
        (``.safetensors``, ``.txt``, ``.vec``, ``.bin``) is refused with
        :class:`~gensim_merge.errors.PickleNotAllowedError`, never unpickled.

        Parameters
        ----------
        fname : str
            Path of a file written by gensim's native ``save`` (or of a safetensors vectors file).
        mmap : {None, "r", "r+"}, optional
            Memory-map the large arrays (``"r"``: read-only) instead of reading them into memory, as in gensim.

        Returns
        -------
        MergeableKeyedVectors or MergeableFastTextKeyedVectors
            The vectors (of a full Word2Vec model: its ``wv``), sharing the loaded arrays. A fastText file
            (gensim's native ``FastTextKeyedVectors``/``FastText`` files, or Facebook's ``.bin``) comes back as
            a :class:`~gensim_merge.fasttext.MergeableFastTextKeyedVectors`, n-gram buckets included.

        Raises
        ------
        ModelFileError
            The file is missing, truncated or not a gensim file.
        IncompatibleModelError
            The file holds something other than word vectors (e.g. a Doc2Vec model).

        Notes
        -----
        gensim's native format is a Python pickle: loading runs code stored in the file. Only load files
        you trust; :func:`gensim_merge.io.load_vectors` refuses pickles unless ``allow_pickle=True``.
        """
        if is_safetensors_file(fname):
            return load_safetensors(cls, fname, mmap)
        if starts_like_facebook(fname):  # the .bin reader checks the whole layout; never unpickled
            return load_fasttext_file(fname, allow_pickle=False, mmap=mmap)
        found = _files.sniff(fname).fmt  # from the bytes; nothing unpickled
        if found in ("word2vec-text", "word2vec-binary"):  # what save("x.txt" / "x.bin") writes
            if mmap is not None:
                logger.info("%s is in the %s format, which is parsed, not memory-mapped", fname, found)
            return cls.load_word2vec_format(fname, binary=found == "word2vec-binary")
        _files.refuse_pickle_named_as_data(fname)
        if is_fasttext_file(fname):
            return load_fasttext_file(fname, allow_pickle=True, mmap=mmap)
        try:
            with _gensim_names_own_class():
                obj = super().load(fname, mmap=mmap)
        except FileNotFoundError as err:
            raise ModelFileNotFoundError(f"no such model file: {fname}", filename=err.filename) from err
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError) as err:
            raise ModelFileError(
                f"cannot read {fname} as a gensim model ({type(err).__name__}: {err}); is it truncated, or a "
                "word2vec-format file? For those use MergeableKeyedVectors.load_word2vec_format"
            ) from err
        check_fingerprints(obj.__dict__, (obj.__dict__.get(METADATA_ATTR) or {}).get("arrays"), fname)
        check_rows(getattr(obj, "wv", obj), fname)
        return cls._adopt(obj, fname)

    @classmethod
    def _from_vectors_file(cls, content, path):
        """A model from a :class:`~gensim_merge._files.VectorsFile` (keys, vectors, metadata...) read
        from `path`."""
        kv = cls(content.vectors.shape[1], dtype=content.vectors.dtype)
        kv.index_to_key = content.keys
        kv.key_to_index = {key: i for i, key in enumerate(content.keys)}
        kv.next_index = len(content.keys)
        kv.vectors = content.vectors
        kv.expandos = dict(content.attributes)
        apply_metadata(kv, content, path)
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
    def load_word2vec_format(cls: type[_Model], fname: PathType, fvocab: PathType | None = None, binary: bool = False,
                             encoding: str = "utf8", unicode_errors: str = "strict", limit: int | None = None,
                             datatype: npt.DTypeLike = np.float32, no_header: bool = False) -> _Model:
        """As :meth:`gensim.models.KeyedVectors.load_word2vec_format`, with our errors and no blank keys.

        gensim keeps the first of a duplicated word but leaves an empty (``None``) key with a zero vector
        at the end for each duplicate; here those slots are dropped (with one warning giving the count).
        The header line is not trusted: a word count the file's size cannot hold, a vector size the records
        do not have, and records left over after the header's count are errors (gensim allocates for the
        count, loads misaligned records as garbage keys, and drops the extra records silently); progress is
        logged at INFO on large files.

        Raises
        ------
        ModelFileEncodingError
            A word is not valid in `encoding` (also a ``UnicodeDecodeError``, as from gensim).
        ModelFileError
            The file is missing, truncated, not in the word2vec format, or its header line does not match
            its records (naming the count or size the header claims and what the file holds).
        """
        def gensim_loader():
            return super(FilesMixin, cls).load_word2vec_format(
                fname, fvocab=fvocab, binary=binary, encoding=encoding, unicode_errors=unicode_errors,
                limit=limit, datatype=datatype, no_header=no_header,
            )

        try:
            if no_header:  # gensim counts the lines first: no header to check
                kv = gensim_loader()
            else:
                kv = read_word2vec(cls, fname, fvocab=fvocab, binary=binary, encoding=encoding,
                                   unicode_errors=unicode_errors, limit=limit, datatype=datatype,
                                   gensim_loader=gensim_loader)
        except FileNotFoundError as err:
            raise ModelFileNotFoundError(f"no such word2vec file: {fname}", filename=err.filename) from err
        except ModelFileError:
            raise
        except _files.WORD2VEC_READ_ERRORS as err:
            raise _files.word2vec_read_error(err, fname, binary=binary, encoding=encoding) from err
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

    # ------------------------------------------------------------------------------------------------
    # saving
    # ------------------------------------------------------------------------------------------------
    def _plain_copy(self):
        """A plain gensim KeyedVectors sharing our arrays, with our extras as plain data."""
        plain = KeyedVectors.__new__(KeyedVectors)
        state = {k: v for k, v in self.__dict__.items() if k not in OWN_ATTRS}
        state["norms"] = None  # a derived cache; recomputed on demand
        state[METADATA_ATTR] = self._metadata_to_dict()
        plain.__dict__.update(state)
        return plain

    def save(self, fname: PathType, *args: Any, **kwargs: Any) -> None:
        """Save atomically, in the format `fname`'s extension names; every file loads in plain gensim too.

        ``.txt``/``.vec``: word2vec text, ``.bin``: word2vec binary (plain gensim's ``load_word2vec_format``
        reads both; keys and vectors only), ``.safetensors``: the pickle-free format
        (:func:`gensim_merge.io.load_vectors`), a trailing ``.gz`` compressing all but safetensors; ``.kv``,
        ``.model``, ``.wv`` or any other name: gensim's native format (``KeyedVectors.load``), as gensim's own
        ``save`` writes it. The extension rule is :func:`~gensim_merge._files.save_format`'s, shared
        with the fastText class.

        In the native format, takes the arguments of :meth:`gensim.utils.SaveLoad.save` (``separately``,
        ``sep_limit``, ``ignore``, ``pickle_protocol``); they apply to no other format. The data is written
        beside `fname` and renamed over it at the end, so an interrupted save leaves an existing file intact.
        Large arrays go to ``fname.<name>.npy`` side files, renamed before the main file: the file records a
        fingerprint of each (shape, dtype and sampled rows), so a save killed between the renames leaves a
        pair that :meth:`load` refuses (``ModelFileError``) instead of mixing two saves. Temporary files of a
        killed save are named ``.gensim-merge-tmp-…`` and removed by the next save into the directory. A
        symbolic link at `fname` is replaced by a regular file; the file it pointed to is left as it was.
        The attached full ``model`` is not saved.

        Parameters
        ----------
        fname : str
            Path of the file.

        Raises
        ------
        OptionError
            Native-format options given for another format (a ValueError).
        ModelFileError
            Keys a word2vec format cannot hold; a compressed ``.safetensors`` name.
        """
        if not isinstance(fname, (str, bytes)) and not hasattr(fname, "__fspath__"):
            raise TypeError(f"save needs a file path (atomic saves cannot write to an open handle), got {fname!r}")
        fmt, compressed = save_format(fname)
        if fmt != "native":
            refuse_native_options(fname, fmt, compressed, args, kwargs)
        if fmt == "safetensors":
            self._save_safetensors(fname)
        elif fmt in WORD2VEC_FORMATS:
            self.save_word2vec_format(fname, binary=fmt == "word2vec-binary")
        else:
            self._save_native(fname, *args, **kwargs)
        logger.info("saved %s to %s as %s", self, os.fsdecode(fname),
                    _files.describe_format(fmt, compressed=compressed))

    def _save_native(self, fname, *args, **kwargs):
        """gensim's native format (a pickle and ``.npy`` side files), atomically, with array fingerprints."""
        plain = self._plain_copy()
        separately = kwargs.get("separately", args[0] if args else None) or []
        not_arrays = [name for name in separately if name in plain.__dict__
                      and not isinstance(plain.__dict__[name], np.ndarray)
                      and not scipy.sparse.issparse(plain.__dict__[name])]
        if not_arrays:  # gensim sets such attributes aside and writes nothing: they would load as None
            raise ValueError(f"separately names {not_arrays}, which are not arrays: gensim would leave them out of "
                             "the file; name array attributes only (e.g. separately=['vectors'])")
        plain.__dict__[METADATA_ATTR]["arrays"] = fingerprints(plain.__dict__)
        with atomic_output(fname) as tmp, _gensim_names_own_class():
            plain.save(tmp, *args, **kwargs)
        if "lifecycle_events" in plain.__dict__:
            self.lifecycle_events = plain.lifecycle_events

    def _save_safetensors(self, fname):
        write_vectors_file(fname, keys=self.index_to_key, vectors=self.vectors, attributes=self.expandos,
                           metadata=self._metadata_to_dict(), events=getattr(self, "lifecycle_events", None))

    def save_word2vec_format(self, fname: PathType, fvocab: PathType | None = None, binary: bool = False,
                             **kwargs: Any) -> None:
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
