"""Reading and writing :class:`~gensim_merge.keyedvectors.MergeableKeyedVectors` in every format.

A mixin of the class (gensim's native format, the word2vec formats, the pickle-free safetensors format, with one
metadata to/from dict pair used by all of them) and the any-format functions behind
:func:`gensim_merge.load_vectors` / :func:`gensim_merge.save_vectors`. Nothing here names the class: methods use
``cls``/``type(self)``, functions take the class to build.
"""

# ruff: noqa: PYI019  (typing.Self needs Python 3.11; a TypeVar types the returned class on 3.9)

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import warnings
from typing import TYPE_CHECKING, Any, TypeVar

import gensim.models.keyedvectors as gensim_keyedvectors
import numpy as np
import numpy.typing as npt
import scipy.sparse
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.fasttext import FastTextKeyedVectors

from gensim_merge import _formats
from gensim_merge._fasttext_files import starts_like_facebook
from gensim_merge._io import atomic_output, check_fingerprints, fingerprints
from gensim_merge._metadata import METADATA_ATTR, OWN_ATTRS, MetadataMixin
from gensim_merge._safetensors import apply_metadata, is_safetensors_file, read_vectors_file, write_vectors_file
from gensim_merge._save_format import WORD2VEC_FORMATS, check_rows, refuse_native_options, save_format
from gensim_merge._typing import MmapMode, PathType, VectorsFormat
from gensim_merge._validation import check_word2vec_keys
from gensim_merge._word2vec_files import read_word2vec
from gensim_merge.errors import IncompatibleModelError, ModelFileError, ModelFileNotFoundError
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.fasttext_io import is_fasttext_file, load_fasttext_any, save_fasttext

__all__ = ["FilesMixin", "load_any", "load_safetensors", "save_any"]

logger = logging.getLogger(__name__)


def load_safetensors(cls: type[_Model], fname: PathType,
                     mmap: str | None = None) -> _Model | MergeableFastTextKeyedVectors:
    """A model from a safetensors vectors file: a fastText model (with its buckets) when the file holds one,
    else `cls` (word2vec vectors)."""
    content = read_vectors_file(fname, mmap=mmap)
    if "fasttext" in content.metadata:
        return MergeableFastTextKeyedVectors._from_vectors_file(content, os.fsdecode(fname))
    return cls._from_vectors_file(content, os.fsdecode(fname))


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
    def load(cls: type[_Model], fname: str, mmap: str | None = None) -> _Model | MergeableFastTextKeyedVectors:
        """Load vectors saved by gensim (``KeyedVectors.save`` or ``Word2Vec.save``) or by this class.

        gensim's API, and like it a pickle loader: use it on trusted files only (see Notes). A file that starts
        like a ``.safetensors`` file or a Facebook fastText ``.bin`` is read by those readers instead (decided
        from its first bytes, before anything is unpickled), and never unpickled when it turns out damaged.

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
            return MergeableFastTextKeyedVectors.from_facebook(fname)
        if is_fasttext_file(fname):
            return load_fasttext_any(fname, allow_pickle=True, mmap=mmap)
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
        """A model from a :class:`~gensim_merge._safetensors.VectorsFile` (keys, vectors, metadata...) read
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
        ``save`` writes it. The extension rule is :func:`~gensim_merge._save_format.save_format`'s, shared
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
                    _formats.describe_format(fmt, compressed=compressed))

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


def load_any(cls: type[_Model], path: PathType, *, fmt: VectorsFormat | None = None, mmap: MmapMode | None = None,
             allow_pickle: bool = False, encoding: str = "utf8", unicode_errors: str = "strict",
             return_format: bool = False) -> (_Model | MergeableFastTextKeyedVectors
                                              | tuple[_Model | MergeableFastTextKeyedVectors, VectorsFormat]):
    """:func:`gensim_merge.load_vectors`, building `cls` (see there)."""
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
    if fmt == "fasttext-binary":  # Facebook's layout, checked whole; never a pickle, whatever fmt says
        kv = MergeableFastTextKeyedVectors.from_facebook(path)
    elif fmt == "native":  # a fastText pickle loads with its buckets
        kv = cls.load(path, mmap=mmap)
    elif fmt == "safetensors":
        kv = load_safetensors(cls, path, mmap)
    else:
        if mmap is not None:
            logger.warning("%s is in the %s format, which is parsed, not memory-mapped: reading it into memory "
                           "(convert it to .safetensors to memory-map it)", path, fmt)
        if found.compressed and not path.lower().endswith((".gz", ".gzip")):
            raise ModelFileError(f"{path!r} is gzip-compressed but its name does not end in .gz, which gensim "
                                 "needs to decompress it; rename it to end in .gz")
        kv = cls.load_word2vec_format(
            path, binary=fmt == "word2vec-binary", no_header=found.no_header, encoding=encoding,
            unicode_errors=unicode_errors)
    logger.info("loaded %s from %s as %s", kv, path, _formats.describe_format(fmt, compressed=found.compressed))
    return (kv, fmt) if return_format else kv


def save_any(cls: type[FilesMixin], kv: KeyedVectors | Word2Vec, path: PathType, *,
             fmt: VectorsFormat | None = None) -> str:
    """:func:`gensim_merge.save_vectors`, through `cls` (see there)."""
    path = os.fspath(path)
    if fmt is None:
        fmt, compressed = _formats.format_for_path(path)
    else:
        _formats.check_fmt(fmt)
        compressed = path.lower().endswith(".gz")
    if fmt != "safetensors" and path.lower().endswith(".safetensors"):
        raise ModelFileError(f"{path!r}: a .safetensors file must hold the pickle-free format, not {fmt!r}; "
                             "choose another name or leave fmt unset")
    if fmt == "safetensors" and compressed:
        raise ModelFileError(f"{path!r}: safetensors files are not compressed (they are memory-mapped); drop the "
                             ".gz")
    if isinstance(kv, FastTextKeyedVectors) or isinstance(getattr(kv, "wv", None), FastTextKeyedVectors):
        return save_fasttext(getattr(kv, "wv", kv), path, fmt=fmt)
    if isinstance(kv, Word2Vec):
        kv = cls.from_word2vec(kv, copy=False)
    elif isinstance(kv, KeyedVectors):
        kv = cls.from_keyed_vectors(kv, copy=False)
    else:
        raise IncompatibleModelError(f"save_vectors needs gensim KeyedVectors (or a Word2Vec model), got "
                                     f"{type(kv).__name__}")
    if fmt == "safetensors":
        kv._save_safetensors(path)
    elif fmt == "native":
        kv._save_native(path)
    else:
        kv.save_word2vec_format(path, binary=fmt == "word2vec-binary")
    logger.info("saved %s to %s as %s", kv, path, _formats.describe_format(fmt, compressed=compressed))
    return fmt

