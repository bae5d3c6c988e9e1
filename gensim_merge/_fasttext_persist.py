"""Loading and saving of :class:`gensim_merge.fasttext.MergeableFastTextKeyedVectors` (a mixin), and the guard
that lets gensim's fastText code run while its class name is patched to ours."""

import contextlib
import logging
import os
import pickle
import struct
import zlib

import gensim.models.fasttext as gensim_fasttext
import numpy as np
from gensim.models.fasttext import FastText, FastTextKeyedVectors

from gensim_merge._fasttext_files import check_facebook_file, starts_like_facebook
from gensim_merge._io import atomic_output, check_fingerprints, fingerprints
from gensim_merge._metadata import METADATA_ATTR, OWN_ATTRS, MetadataMixin
from gensim_merge._safetensors import (
    apply_metadata,
    damaged_file_error,
    is_safetensors_file,
    read_vectors_file,
    write_vectors_file,
)
from gensim_merge._save_format import WORD2VEC_FORMATS, check_rows, refuse_native_options, save_format
from gensim_merge._validation import check_word2vec_keys
from gensim_merge.errors import IncompatibleModelError, ModelFileError, ModelFileNotFoundError

__all__ = ["FastTextFilesMixin", "real_gensim_names", "word2vec_name_error"]

logger = logging.getLogger("gensim_merge.fasttext")

_REAL = FastTextKeyedVectors


@contextlib.contextmanager
def real_gensim_names():
    """Let gensim's fastText code find its own class under its module name while it runs.

    gensim's methods call ``super(FastTextKeyedVectors, self)`` with the module-level name, and build keyed
    vectors and unpickle by that name. A caller (or gensim's own tests) that makes this class a drop-in by
    assigning it to ``gensim.models.fasttext.FastTextKeyedVectors`` would otherwise send those calls into
    endless recursion. The assignment is put back as found afterwards.
    """
    found = gensim_fasttext.FastTextKeyedVectors
    if found is _REAL:
        yield
        return
    gensim_fasttext.FastTextKeyedVectors = _REAL
    try:
        yield
    finally:
        gensim_fasttext.FastTextKeyedVectors = found


def _load_error(fname, err):
    return ModelFileError(
        f"cannot read {fname} as a gensim fastText file ({type(err).__name__}: {str(err)[:200]}); is it truncated? "
        "For Facebook's .bin files use MergeableFastTextKeyedVectors.from_facebook")


class FastTextFilesMixin(MetadataMixin):
    """Files for the fastText class: gensim's native format (a pickle) and Facebook's ``.bin``."""

    def _load_specials(self, *args, **kwargs):
        with real_gensim_names():
            super()._load_specials(*args, **kwargs)
        self._restore_metadata()

    def _save_specials(self, *args, **kwargs):
        with real_gensim_names():
            return super()._save_specials(*args, **kwargs)

    @classmethod
    def from_facebook(cls, path, *, encoding="utf-8"):
        """Load vectors from Facebook's fastText ``.bin`` file (gensim's ``load_facebook_vectors``).

        The whole file's layout is checked first (header, vocabulary, both matrices' sizes): gensim's reader
        loops forever on a file cut inside its vocabulary, and reads a file cut inside its output matrix
        without a word. This format is not a pickle: loading it runs no stored code.

        Raises
        ------
        ModelFileNotFoundError
            A missing file (also a ``FileNotFoundError``).
        ModelFileError
            Truncated, compressed or not a fastText ``.bin`` file (in either header version).
        """
        check_facebook_file(path)
        try:
            with real_gensim_names():
                kv = gensim_fasttext.load_facebook_vectors(path, encoding=encoding)
        except (AssertionError, ValueError, EOFError, OSError, struct.error, zlib.error) as err:
            raise ModelFileError(f"cannot read {path} as a fastText .bin file ({type(err).__name__}: {err})") from err
        except NotImplementedError as err:  # supervised models
            raise IncompatibleModelError(f"{path}: {err}; only unsupervised (word vector) models are supported") \
                from err
        return cls.from_keyed_vectors(kv, copy=False)

    @classmethod
    def load(cls, fname, mmap=None):
        """Load fastText vectors saved by gensim (``FastTextKeyedVectors.save`` or ``FastText.save``) or this class.

        Parameters
        ----------
        fname : str
        mmap : {None, "r", "r+"}, optional
            Memory-map the large arrays, as in gensim.

        Returns
        -------
        MergeableFastTextKeyedVectors
            The vectors (of a full FastText model: its ``wv``), sharing the loaded arrays.

        Raises
        ------
        ModelFileNotFoundError
            A missing file (also a ``FileNotFoundError``, as for the word2vec class).
        ModelFileError
            Truncated, or not a gensim file; a file that starts like Facebook's ``.bin`` (never unpickled).
        IncompatibleModelError
            The file holds something other than fastText vectors (e.g. word2vec vectors).

        Notes
        -----
        gensim's native format is a Python pickle: loading runs code stored in the file. Only load files you
        trust (Facebook's ``.bin`` format, read by :meth:`from_facebook`, is not a pickle).
        """
        if is_safetensors_file(fname):  # pickle-free: read, not unpickled
            content = read_vectors_file(fname, mmap=mmap)
            if "fasttext" not in content.metadata:
                raise IncompatibleModelError(
                    f"{fname} holds word2vec vectors (no n-gram buckets), not a fastText model; load it with "
                    "gensim_merge.io.load_vectors or MergeableKeyedVectors.load")
            return cls._from_vectors_file(content, os.fsdecode(fname))
        if starts_like_facebook(fname):
            raise ModelFileError(f"{fname} starts like a Facebook fastText .bin file, not a gensim one (it is not "
                                 "unpickled); load it with MergeableFastTextKeyedVectors.from_facebook")
        try:
            with real_gensim_names():
                obj = _REAL.load(fname, mmap=mmap)
        except FileNotFoundError as err:
            raise ModelFileNotFoundError(f"no such model file: {fname}", filename=err.filename) from err
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError, TypeError, KeyError,
                IndexError, struct.error, zlib.error) as err:
            raise _load_error(fname, err) from err
        if isinstance(obj, FastText):
            logger.info("%s holds a full FastText model; taking its vectors", fname)
            obj = obj.wv
        if not isinstance(obj, FastTextKeyedVectors):
            raise IncompatibleModelError(
                f"{fname} holds a {type(obj).__name__}, not fastText vectors; for word2vec vectors use "
                "gensim_merge.MergeableKeyedVectors.load")
        check_fingerprints(obj.__dict__, (obj.__dict__.get(METADATA_ATTR) or {}).get("arrays"), fname)
        _check_fasttext_rows(obj, fname)
        new = cls.from_keyed_vectors(obj, copy=False) if type(obj) is not cls else obj
        new._restore_metadata()
        return new

    def _plain_copy(self):
        """A plain gensim FastTextKeyedVectors sharing our arrays, with our extras as plain data."""
        plain = _REAL.__new__(_REAL)
        state = {k: v for k, v in self.__dict__.items() if k not in OWN_ATTRS}
        state["norms"] = None
        state[METADATA_ATTR] = self._metadata_to_dict()
        plain.__dict__.update(state)
        return plain

    def save(self, fname, *args, **kwargs):
        """Save atomically, in the format `fname`'s extension names, n-gram buckets included.

        The extension rule is the word2vec class's (:func:`gensim_merge._save_format.save_format`):
        ``.safetensors`` writes the pickle-free layout (words, ``vectors_vocab``, the n-gram buckets, the n-gram
        settings, counts and the package's metadata; read by :func:`gensim_merge.io.load_vectors` without
        opt-in); ``.kv``, ``.model``, ``.wv`` or any other name gensim's native format (plain gensim's
        ``FastTextKeyedVectors.load``), taking the arguments of :meth:`gensim.utils.SaveLoad.save`. The word2vec
        names (``.txt``, ``.vec``, ``.bin``, optionally ``.gz``) are refused: those formats would keep the
        whole-word vectors only (and ``.bin`` would read as Facebook's format); call
        :meth:`save_word2vec_format` to write them on purpose.

        The data is written beside `fname` and renamed over it at the end (side files of large arrays first,
        each fingerprinted so that a pair from two saves is refused on loading); a symbolic link at `fname` is
        replaced by a regular file, the file it pointed to left as it was. As in gensim, the native format does
        not store the composed ``vectors``: loading recomposes them from ``vectors_vocab`` and the buckets.

        Raises
        ------
        ModelFileError
            A word2vec file name, or a compressed ``.safetensors`` name.
        OptionError
            Native-format options given for the safetensors format (a ValueError).
        """
        if not isinstance(fname, (str, bytes)) and not hasattr(fname, "__fspath__"):
            raise TypeError(f"save needs a file path (atomic saves cannot write to an open handle), got {fname!r}")
        fmt, compressed = save_format(fname)
        if fmt in WORD2VEC_FORMATS:
            raise word2vec_name_error(fname, fmt)
        if fmt == "safetensors":
            refuse_native_options(fname, fmt, compressed, args, kwargs)
            self._save_safetensors(fname)
        else:
            self._save_native(fname, *args, **kwargs)
        logger.info("saved %s to %s (%s)", self, os.fsdecode(fname), fmt)

    def _save_native(self, fname, *args, **kwargs):
        """gensim's native format, atomically, with array fingerprints (``vectors`` is not stored)."""
        plain = self._plain_copy()
        plain.__dict__[METADATA_ATTR]["arrays"] = fingerprints(plain.__dict__, exclude=("vectors",))
        with atomic_output(fname) as tmp, real_gensim_names():
            plain.save(tmp, *args, **kwargs)
        self.lifecycle_events = getattr(plain, "lifecycle_events", getattr(self, "lifecycle_events", None))

    def _save_safetensors(self, fname):
        """The pickle-free layout (see :mod:`gensim_merge._safetensors`): the word2vec layout plus the
        ``fasttext`` entry (n-gram settings, ``vectors_vocab``, ``vectors_ngrams``)."""
        n, dim = len(self.index_to_key), self.vector_size
        ngrams = self.vectors_ngrams
        if ngrams is None and not self.bucket:
            ngrams = np.zeros((0, dim), dtype=self.vectors.dtype)
        for name, array, shape in (("vectors_vocab", self.vectors_vocab, (n, dim)),
                                   ("vectors_ngrams", ngrams, (int(self.bucket), dim))):
            if not isinstance(array, np.ndarray) or array.shape != shape:
                raise ModelFileError(f"cannot save {os.fsdecode(fname)!r}: {name} has shape "
                                     f"{getattr(array, 'shape', None)}, expected {shape}; the model is incomplete")
        metadata = self._metadata_to_dict()
        metadata["fasttext"] = {"min_n": int(self.min_n), "max_n": int(self.max_n), "bucket": int(self.bucket),
                                "vectors_vocab": self.vectors_vocab, "vectors_ngrams": ngrams}
        write_vectors_file(fname, keys=self.index_to_key, vectors=self.vectors, attributes=self.expandos,
                           metadata=metadata, events=getattr(self, "lifecycle_events", None))

    @classmethod
    def _from_vectors_file(cls, content, path):
        """A model from a :class:`~gensim_merge._safetensors.VectorsFile` holding the ``fasttext`` entry."""
        entry = content.metadata.pop("fasttext", None)
        vectors = content.vectors
        if not isinstance(entry, dict):
            raise damaged_file_error(path, "its fasttext metadata entry is not a mapping")
        settings = {k: entry.get(k) for k in ("min_n", "max_n", "bucket")}
        bad = [k for k, v in settings.items() if not isinstance(v, int) or isinstance(v, bool) or v < 0]
        if bad:
            raise damaged_file_error(path, f"its fastText settings {bad} are missing or not non-negative integers "
                                           f"({settings})")
        for name, shape in (("vectors_vocab", vectors.shape),
                            ("vectors_ngrams", (settings["bucket"], vectors.shape[1]))):
            array = entry.get(name)
            if not isinstance(array, np.ndarray) or array.dtype.kind != "f" or array.shape != shape:
                found = f"{array.dtype} {array.shape}" if isinstance(array, np.ndarray) else "missing"
                raise damaged_file_error(path, f"its tensor fasttext.{name} must be floats of shape {shape}, got "
                                               f"{found}")
        kv = cls(vectors.shape[1], settings["min_n"], settings["max_n"], settings["bucket"], dtype=vectors.dtype)
        kv.index_to_key = content.keys
        kv.key_to_index = {key: i for i, key in enumerate(content.keys)}
        kv.next_index = len(content.keys)
        kv.vectors, kv.vectors_vocab, kv.vectors_ngrams = vectors, entry["vectors_vocab"], entry["vectors_ngrams"]
        kv.vectors_vocab_lockf = kv.vectors_ngrams_lockf = np.ones(1, dtype=np.float32)
        kv.expandos = dict(content.attributes)
        apply_metadata(kv, content, path)
        with real_gensim_names():
            kv.recalc_char_ngram_buckets()
        return kv

    def save_word2vec_format(self, fname, fvocab=None, binary=False, **kwargs):
        """gensim's ``save_word2vec_format`` (the whole-word vectors only; the n-gram buckets are not written),
        atomically, refusing keys the format cannot hold (see the word2vec class's method)."""
        check_word2vec_keys(self.index_to_key, "word2vec-binary" if binary else "word2vec-text")
        if kwargs.get("append"):
            import shutil

            with atomic_output(fname) as tmp:
                shutil.copyfile(fname, tmp)
                with real_gensim_names():
                    super().save_word2vec_format(tmp, fvocab=fvocab, binary=binary, **kwargs)
            return
        with atomic_output(fname) as tmp, contextlib.ExitStack() as stack:
            tmp_vocab = stack.enter_context(atomic_output(fvocab)) if fvocab is not None else None
            with real_gensim_names():
                super().save_word2vec_format(tmp, fvocab=tmp_vocab, binary=binary, **kwargs)


def word2vec_name_error(fname, fmt):
    """The error for saving a fastText model under a word2vec file name (`fmt` from its extension)."""
    name = os.fsdecode(fname)
    binary = ", binary=True" if fmt == "word2vec-binary" else ""
    return ModelFileError(
        f"{name}: a fastText model is not saved in the {fmt} format (its extension's), which would keep the whole-word "
        "vectors only: the n-gram buckets that give unseen words their vectors would be lost (and a .bin would read "
        "as Facebook's format). Save to .safetensors (pickle-free) or .wv/.kv/.model (gensim's native format) to keep "
        f"them, or call kv.save_word2vec_format({name!r}{binary}) to write the whole-word vectors on purpose")


def _check_fasttext_rows(obj, fname):
    """The word-token vectors one row per key and the buckets one row per bucket, else ModelFileError."""
    check_rows(obj, fname, (("vectors_vocab", None), ("vectors_ngrams", int(obj.bucket)), ("vectors", None)))
