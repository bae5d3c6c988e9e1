"""MergeableFastTextKeyedVectors: gensim's FastTextKeyedVectors, plus aligning and merging with n-gram buckets.

A drop-in replacement wherever :class:`gensim.models.fasttext.FastTextKeyedVectors` is used: vectors for
unseen words, ``most_similar``, saving and loading all work as in gensim, and the files it saves load in plain
gensim. What it adds carries the character n-gram buckets along, so a word that no input model saw still gets
a vector in the result's space:

- :meth:`~MergeableFastTextKeyedVectors.align_to` fits a map on the whole-word vectors of the shared words and
  applies it to every stored row: whole-word vectors, the word-token vectors and every n-gram bucket;
- :meth:`~MergeableFastTextKeyedVectors.merge_with` takes the union of the vocabularies (as
  :func:`gensim_merge.merging.merge` does for word2vec) and combines the buckets bucket by bucket;
- :meth:`~MergeableFastTextKeyedVectors.continue_from` continues training a full FastText model through
  gensim's ``build_vocab(update=True)`` (see :mod:`gensim_merge.continuation`).

.. sourcecode:: pycon

    >>> from gensim_merge.fasttext import MergeableFastTextKeyedVectors
    >>> old = MergeableFastTextKeyedVectors.from_facebook("cc.en.300.bin")          # doctest: +SKIP
    >>> new = MergeableFastTextKeyedVectors.load("forum.wv")                        # doctest: +SKIP
    >>> merged = old.merge_with(new, names=["cc", "forum"])                         # doctest: +SKIP
    >>> merged["unseenword"]  # from the merged buckets                           # doctest: +SKIP

Why the map reaches unseen words
--------------------------------
gensim composes an in-vocabulary word's vector as the mean of its word-token vector and its n-gram vectors,
and an unseen word's as the mean of its n-gram vectors. Both are means with weights summing to one, so an
affine map ``x ↦ xW + b`` applied to every stored row (``vectors_vocab``, ``vectors_ngrams``) maps every
composed and every inferred vector by the same ``xW + b``, translation included (``center=True``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import struct
import zlib
from collections.abc import Iterable, Sequence
from typing import Literal

import gensim.models.fasttext as gensim_fasttext
import numpy as np
import numpy.typing as npt
from gensim.models.fasttext import FastText, FastTextKeyedVectors

from gensim_merge._files import (
    WORD2VEC_FORMATS,
    apply_metadata,
    atomic_output,
    check_facebook_file,
    check_fingerprints,
    check_rows,
    damaged_file_error,
    describe_format,
    fingerprints,
    is_safetensors_file,
    read_vectors_file,
    refuse_native_options,
    refuse_pickle_named_as_data,
    save_format,
    sniff,
    starts_like_facebook,
    write_vectors_file,
)
from gensim_merge._mixins import METADATA_ATTR, OWN_ATTRS, AlignmentMixin, EvidenceMixin, MetadataMixin
from gensim_merge._typing import BucketWeights, Corpus, MergeStrategy, PathType, Progress
from gensim_merge._validation import check_keyed_vectors, check_word2vec_keys
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, Alignment, AlignOptionsLike
from gensim_merge.errors import IncompatibleModelError, ModelFileError, ModelFileNotFoundError
from gensim_merge.merging import BUCKET_WEIGHTS, back_solve, check_buckets, merge_fasttext, ngram_matrix

__all__ = ["BUCKET_WEIGHTS", "MergeableFastTextKeyedVectors"]

logger = logging.getLogger(__name__)


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
        found = sniff(fname).fmt  # from the bytes; nothing unpickled
        if found in ("word2vec-text", "word2vec-binary"):
            raise IncompatibleModelError(
                f"{fname} holds {describe_format(found)} vectors (no n-gram buckets), not a fastText model; load "
                "it with MergeableKeyedVectors.load_word2vec_format")
        refuse_pickle_named_as_data(fname)
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

        The extension rule is the word2vec class's (:func:`gensim_merge._files.save_format`):
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
        """The pickle-free layout (see :mod:`gensim_merge._files`): the word2vec layout plus the
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
        """A model from a :class:`~gensim_merge._files.VectorsFile` holding the ``fasttext`` entry."""
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


class MergeableFastTextKeyedVectors(FastTextFilesMixin, AlignmentMixin, EvidenceMixin, FastTextKeyedVectors):
    """gensim FastTextKeyedVectors that can be aligned to and merged with other models, n-gram buckets included.

    Parameters are gensim's (``vector_size, min_n, max_n, bucket, count=0, dtype``).

    ``align_to``/``alignment_to`` are the word2vec class's (the same options, from
    :class:`~gensim_merge.alignment.AlignOptions`): the map is fitted on the whole-word vectors (``vectors``) of
    the anchors, and :meth:`apply_alignment` applies it to ``vectors``, ``vectors_vocab`` and
    ``vectors_ngrams``, so ``result[w] = map(self[w])`` for every word, seen or not; a model without buckets is
    refused (:class:`~gensim_merge.errors.NoBucketsError`).

    Attributes
    ----------
    alignment : Alignment or None
        The map that brought these vectors into their current space (set by :meth:`align_to`).
    sources : list of str
        Names of the models merged into this one; see :meth:`provenance`.
    merge_report : MergeReport or None
        What the merge that produced this model did (the whole-word part).
    model : gensim.models.FastText or None
        The full model behind these vectors after :meth:`continue_from` (not saved with them).
    continuation_report : FastTextContinuationReport or None

    Examples
    --------
    >>> from gensim.models import FastText
    >>> from gensim.test.utils import common_texts
    >>> model = FastText(common_texts, vector_size=8, min_count=1, bucket=1000, workers=1, seed=1)
    >>> kv = MergeableFastTextKeyedVectors.from_fasttext(model)
    >>> kv["computers"].shape  # an unseen word, from its n-grams
    (8,)
    >>> other = FastText(common_texts, vector_size=8, min_count=1, bucket=1000, workers=1, seed=2)
    >>> aligned = kv.align_to(other.wv, anchor_min_count=1)
    >>> aligned.alignment.method, aligned["computers"].shape
    ('orthogonal', (8,))
    """

    def __init__(self, vector_size: int, min_n: int, max_n: int, bucket: int, count: int = 0,
                 dtype: npt.DTypeLike = np.float32) -> None:
        with real_gensim_names():
            super().__init__(vector_size, min_n, max_n, bucket, count=count, dtype=dtype)
        self._set_defaults()

    # gensim's methods that name their own class (see real_gensim_names)
    def get_vector(self, word: str, norm: bool = False) -> np.ndarray:
        """As gensim's: the stored vector of a known word, the mean of its n-gram vectors for another."""
        with real_gensim_names():
            return super().get_vector(word, norm=norm)

    def get_sentence_vector(self, sentence: Sequence[str | int]) -> np.ndarray:
        """As gensim's."""
        with real_gensim_names():
            return super().get_sentence_vector(sentence)

    # ------------------------------------------------------------------------------------------------
    # construction, loading, saving
    # ------------------------------------------------------------------------------------------------
    @classmethod
    def from_keyed_vectors(cls, kv: FastTextKeyedVectors, *, copy: bool = True) -> MergeableFastTextKeyedVectors:
        """Wrap a gensim FastTextKeyedVectors (every array and attribute, n-gram buckets included).

        Parameters
        ----------
        kv : gensim.models.fasttext.FastTextKeyedVectors
        copy : bool, optional
            Copy the arrays (default), so that the result and `kv` never affect each other; ``copy=False``
            shares them.

        Returns
        -------
        MergeableFastTextKeyedVectors
        """
        if not isinstance(kv, FastTextKeyedVectors):
            raise IncompatibleModelError(
                f"from_keyed_vectors needs a gensim FastTextKeyedVectors, got {type(kv).__name__}; for word2vec "
                "vectors use gensim_merge.MergeableKeyedVectors, for a FastText model from_fasttext(model)")
        if type(kv) is cls and not copy:
            return kv
        new = cls.__new__(cls)
        state = dict(kv.__dict__)
        if copy:
            for name in ("vectors", "vectors_vocab", "vectors_ngrams"):
                if state.get(name) is not None:
                    state[name] = np.array(state[name])
            state["index_to_key"] = list(kv.index_to_key)
            state["key_to_index"] = dict(kv.key_to_index)
            state["expandos"] = {name: np.array(values) for name, values in kv.expandos.items()}
            if state.get("buckets_word") is not None:
                state["buckets_word"] = list(state["buckets_word"])
            for name in ("lifecycle_events", "sources"):
                if isinstance(state.get(name), list):
                    state[name] = list(state[name])
            state["norms"] = None
        state.pop("model", None)  # a full model is not carried over
        new.__dict__.update(state)
        new._set_defaults()
        return new

    @classmethod
    def from_fasttext(cls, model: FastText, *, copy: bool = True) -> MergeableFastTextKeyedVectors:
        """The vectors of a trained gensim FastText model (``model.wv``), buckets included."""
        if not isinstance(model, FastText):
            raise IncompatibleModelError(
                f"from_fasttext needs a gensim FastText model, got {type(model).__name__}; for its vectors alone "
                "use from_keyed_vectors(kv)")
        return cls.from_keyed_vectors(model.wv, copy=copy)

    def vectors_for_all(self, keys: Iterable[str], allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> MergeableFastTextKeyedVectors:
        """As gensim's ``vectors_for_all``, returning this class: `keys` become the vocabulary.

        The result keeps this model's n-gram buckets (shared, not copied), so it still infers vectors for
        other words; its word-token vectors are solved so that gensim's composition gives back exactly the
        vectors looked up here (see ``gensim_merge.merging.back_solve``).
        """
        with real_gensim_names():
            kv = super().vectors_for_all(keys, allow_inference=allow_inference, copy_vecattrs=copy_vecattrs)
        new = type(self)(self.vector_size, self.min_n, self.max_n, self.bucket, dtype=kv.vectors.dtype)
        new.index_to_key, new.key_to_index, new.next_index = kv.index_to_key, kv.key_to_index, len(kv.index_to_key)
        new.vectors, new.expandos = kv.vectors, kv.expandos
        new.vectors_ngrams = self.vectors_ngrams
        new.vectors_vocab_lockf = new.vectors_ngrams_lockf = np.ones(1, dtype=np.float32)
        new.recalc_char_ngram_buckets()
        new.vectors_vocab = (back_solve(new.vectors, ngram_matrix(new), self.vectors_ngrams) if self.bucket
                             else new.vectors)
        return new

    # ------------------------------------------------------------------------------------------------
    # alignment
    # ------------------------------------------------------------------------------------------------
    def _check_alignable(self) -> None:
        """Aligning maps the n-gram buckets too: a model without them (``bucket=0``) is refused."""
        check_buckets(self, "source")

    def apply_alignment(self, alignment: Alignment, *, chunk_size: int = DEFAULT_CHUNK_SIZE,
                        progress: Progress | None = None) -> MergeableFastTextKeyedVectors:
        """A new model with every stored row (words, word tokens, n-gram buckets) mapped by `alignment`.

        `progress`, if given, is called with the number of rows just mapped, over all three arrays (in all
        ``2 * len(self) + bucket`` rows).
        """
        if not isinstance(alignment, Alignment):
            raise IncompatibleModelError(f"apply_alignment needs an Alignment, got {type(alignment).__name__}")
        check_keyed_vectors(self, "source")
        check_buckets(self, "source")
        logger.info("mapping %i words and %i n-gram buckets with the %s alignment", len(self), self.bucket,
                    alignment.method)
        result = self._with_arrays(
            alignment.apply(self.vectors, chunk_size=chunk_size, keys=self.index_to_key, progress=progress),
            alignment.apply(self.vectors_vocab, chunk_size=chunk_size, keys=self.index_to_key, progress=progress),
            alignment.apply(self.vectors_ngrams, chunk_size=chunk_size, progress=progress))
        result.alignment = alignment
        report = alignment.report
        result.add_lifecycle_event("align_to", method=alignment.method, n_anchors=report.n_anchors,
                                   n_used=report.n_used, n_trimmed=len(report.trimmed),
                                   mean_cosine=round(report.mean_cosine, 6), buckets=int(self.bucket))
        return result

    def _with_arrays(self, vectors, vectors_vocab, vectors_ngrams):
        """A new object with our keys, attributes and settings (copied) and the given arrays."""
        new = type(self)(self.vector_size, self.min_n, self.max_n, self.bucket, dtype=vectors.dtype)
        new.index_to_key = list(self.index_to_key)
        new.key_to_index = dict(self.key_to_index)
        new.next_index = len(new.index_to_key)
        new.expandos = {name: np.array(values) for name, values in self.expandos.items()}
        new.buckets_word = list(self.buckets_word) if self.buckets_word is not None else None
        new.vectors, new.vectors_vocab, new.vectors_ngrams = vectors, vectors_vocab, vectors_ngrams
        new.vectors_vocab_lockf = new.vectors_ngrams_lockf = np.ones(1, dtype=np.float32)
        new.sources = list(self.sources)
        return new

    # ------------------------------------------------------------------------------------------------
    # merging
    # ------------------------------------------------------------------------------------------------
    def merge_with(self, *others: FastTextKeyedVectors, names: Sequence[str] | None = None,
                   strategy: MergeStrategy = "count", bucket_weights: BucketWeights = "ngram", align: bool = True,
                   align_options: AlignOptionsLike = None, center_fit: bool | None = None,
                   chunk_size: int = DEFAULT_CHUNK_SIZE, progress: Progress | None = None,
                   count_rule: Literal["sum", "max"] = "sum") -> MergeableFastTextKeyedVectors:
        """One union-vocabulary fastText model from this one and `others`, in this model's space.

        Whole words are merged as :func:`gensim_merge.merging.merge` merges word2vec vectors (same
        `strategy`, `names`, `align_options` and `center_fit`; counts summed, provenance recorded); the
        n-gram buckets, mapped by the same alignments, are combined bucket by bucket.

        Parameters
        ----------
        *others : gensim.models.fasttext.FastTextKeyedVectors
            Models with the same ``bucket``, ``min_n``, ``max_n`` and vector size.
        bucket_weights : {"ngram", "corpus", "mean"} or sequence of float, optional
            How each model's bucket vectors weigh. ``"ngram"`` (default): per bucket, by the model's evidence for
            it, the occurrences of the model's words whose n-grams hash into it (``Σ count(w)`` over those
            words; buckets no model's vocabulary reaches fall back to ``"corpus"``), so a bucket one model never
            trained (still at its random initialisation) takes the other's vector. ``"corpus"``: by corpus size
            (the sum of each model's word counts); ``"mean"``: equally; or one weight per model (e.g. ``[1, 0]``
            keeps the reference's buckets). ``benchmarks/RESULTS.md`` compares them.
        progress, count_rule : optional
            As in :func:`gensim_merge.merge` (the same options, checked by the same code), for the whole words.

        Returns
        -------
        MergeableFastTextKeyedVectors
            Its ``vectors`` are the merged whole-word vectors; its ``vectors_vocab`` are solved so that
            gensim's composition (``adjust_vectors``) of them with the merged buckets gives back exactly those
            ``vectors``, so the model stays consistent when saved, loaded or trained further.

        Raises
        ------
        BucketMismatchError
            Models that hash n-grams differently (``bucket``, ``min_n``, ``max_n``).
        NoBucketsError, DimensionMismatchError, AnchorError, GensimMergeError

        Examples
        --------
        >>> from gensim.models import FastText
        >>> from gensim.test.utils import common_texts
        >>> a = FastText(common_texts[:5], vector_size=8, min_count=1, bucket=500, workers=1, seed=1)
        >>> b = FastText(common_texts[4:], vector_size=8, min_count=1, bucket=500, workers=1, seed=1)
        >>> merged = MergeableFastTextKeyedVectors.from_fasttext(a).merge_with(
        ...     b.wv, names=["a", "b"], align=False)
        >>> merged.provenance("trees"), merged.provenance("human")
        (['b'], ['a'])
        """
        return type(self)._from_merge_result(merge_fasttext(
            self, list(others), names=names, strategy=strategy, bucket_weights=bucket_weights, align=align,
            align_options=align_options, center_fit=center_fit, chunk_size=chunk_size, progress=progress,
            count_rule=count_rule))

    @classmethod
    def _from_merge_result(cls, result):
        """The model of a :class:`~gensim_merge.merging.FastTextMergeResult` (its arrays used, not copied)."""
        merged = cls(result.vectors.shape[1], result.min_n, result.max_n, result.bucket, dtype=result.vectors.dtype)
        merged.index_to_key = result.keys
        merged.key_to_index = dict(zip(result.keys, range(len(result.keys))))
        merged.next_index = len(result.keys)
        merged.expandos = {"provenance": result.provenance}
        if result.counts is not None:
            merged.expandos["count"] = result.counts
        merged.vectors, merged.vectors_vocab, merged.vectors_ngrams = (result.vectors, result.vectors_vocab,
                                                                       result.vectors_ngrams)
        merged.vectors_vocab_lockf = merged.vectors_ngrams_lockf = np.ones(1, dtype=np.float32)
        merged.buckets_word = result.buckets_word
        merged.sources = list(result.sources)
        merged.merge_report = report = result.report
        merged.add_lifecycle_event(
            "merge", sources=list(result.names), strategy=report.strategy, center_fit=report.center_fit,
            n_words=len(merged), n_shared=report.n_shared, buckets=int(result.bucket),
            bucket_weights=result.bucket_rule, corpus_weights=result.corpus_weights)
        return merged

    # ------------------------------------------------------------------------------------------------
    # continued training
    # ------------------------------------------------------------------------------------------------
    @classmethod
    def continue_from(cls, source: FastText | PathType, corpus: Corpus, *, epochs: int | None = None,
                      alpha: float | None = None, min_alpha: float | None = None,
                      min_count_rule: Literal["combined", "new"] = "combined", resort: bool = True,
                      workers: int | None = None, allow_pickle: bool = False) -> MergeableFastTextKeyedVectors:
        """Continue training a FastText model on a new corpus; the updated vectors, with the full model attached.

        A thin front of :func:`gensim_merge.continuation.continue_fasttext`, which documents every
        parameter. ``result.model`` is the continued full model, ``result.continuation_report`` what was done.
        A `source` path saved by ``FastText.save`` is a pickle: refused unless ``allow_pickle=True``.
        """
        from gensim_merge.continuation import continue_fasttext

        model, report = continue_fasttext(source, corpus, epochs=epochs, alpha=alpha, min_alpha=min_alpha,
                                          min_count_rule=min_count_rule, resort=resort, workers=workers,
                                          allow_pickle=allow_pickle)
        kv = cls.from_fasttext(model, copy=False)
        kv.model, kv.continuation_report = model, report
        return kv


def _load_error(fname, err):
    return ModelFileError(
        f"cannot read {fname} as a gensim fastText file ({type(err).__name__}: {str(err)[:200]}); is it truncated? "
        "For Facebook's .bin files use MergeableFastTextKeyedVectors.from_facebook")


def _check_fasttext_rows(obj, fname):
    """The word-token vectors one row per key and the buckets one row per bucket, else ModelFileError."""
    check_rows(obj, fname, (("vectors_vocab", None), ("vectors_ngrams", int(obj.bucket)), ("vectors", None)))
