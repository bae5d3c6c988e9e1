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
  gensim's ``build_vocab(update=True)`` (see :mod:`gensim_merge.fasttext_continuation`).

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

import contextlib
import logging
import pickle
import struct
import zlib

import gensim.models.fasttext as gensim_fasttext
import numpy as np
from gensim.models.fasttext import FastText, FastTextKeyedVectors

from gensim_merge._fasttext_files import check_facebook_file, is_facebook_file
from gensim_merge._fasttext_ops import (
    back_solve,
    check_buckets,
    ngram_matrix,
)
from gensim_merge._io import atomic_output
from gensim_merge._validation import check_keyed_vectors, check_same_dim
from gensim_merge.alignment import DEFAULT_CHUNK_SIZE, Alignment, fit_alignment
from gensim_merge.anchors import resolve_anchors
from gensim_merge.errors import IncompatibleModelError, ModelFileError, NotMergedError
from gensim_merge.merging import MergeReport

__all__ = ["BUCKET_WEIGHTS", "MergeableFastTextKeyedVectors"]

logger = logging.getLogger(__name__)

#: Attribute under which our metadata travels inside a plain-gensim file (as for word2vec vectors).
METADATA_ATTR = "gensim_merge_metadata"
_OWN_ATTRS = ("alignment", "sources", "merge_report", "model", "continuation_report")
#: How n-gram buckets of merged models are weighted (see :meth:`MergeableFastTextKeyedVectors.merge_with`).
BUCKET_WEIGHTS = ("corpus", "mean", "ngram")
_REAL = FastTextKeyedVectors


@contextlib.contextmanager
def _real_names():
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


class MergeableFastTextKeyedVectors(FastTextKeyedVectors):
    """gensim FastTextKeyedVectors that can be aligned to and merged with other models, n-gram buckets included.

    Parameters are gensim's (``vector_size, min_n, max_n, bucket, count=0, dtype``).

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
    """

    def __init__(self, vector_size, min_n, max_n, bucket, count=0, dtype=np.float32):
        with _real_names():
            super().__init__(vector_size, min_n, max_n, bucket, count=count, dtype=dtype)
        self._set_defaults()

    def _set_defaults(self):
        for name, default in (("alignment", None), ("sources", []), ("merge_report", None), ("model", None),
                              ("continuation_report", None)):
            if not hasattr(self, name):
                setattr(self, name, default)

    def _restore_metadata(self):
        metadata = self.__dict__.pop(METADATA_ATTR, None) or {}
        if metadata.get("alignment") is not None:
            self.alignment = Alignment.from_dict(metadata["alignment"])
        if metadata.get("sources") is not None:
            self.sources = list(metadata["sources"])
        if metadata.get("merge_report") is not None:
            self.merge_report = MergeReport.from_dict(metadata["merge_report"])
        self._set_defaults()

    # gensim's methods that name their own class (see _real_names)
    def _load_specials(self, *args, **kwargs):
        with _real_names():
            super()._load_specials(*args, **kwargs)
        self._restore_metadata()

    def _save_specials(self, *args, **kwargs):
        with _real_names():
            return super()._save_specials(*args, **kwargs)

    def get_vector(self, word, norm=False):
        """As gensim's: the stored vector of a known word, the mean of its n-gram vectors for another."""
        with _real_names():
            return super().get_vector(word, norm=norm)

    def get_sentence_vector(self, sentence):
        """As gensim's."""
        with _real_names():
            return super().get_sentence_vector(sentence)

    # ------------------------------------------------------------------------------------------------
    # construction, loading, saving
    # ------------------------------------------------------------------------------------------------
    @classmethod
    def from_keyed_vectors(cls, kv, *, copy=True):
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
    def from_fasttext(cls, model, *, copy=True):
        """The vectors of a trained gensim FastText model (``model.wv``), buckets included."""
        if not isinstance(model, FastText):
            raise IncompatibleModelError(
                f"from_fasttext needs a gensim FastText model, got {type(model).__name__}; for its vectors alone "
                "use from_keyed_vectors(kv)")
        return cls.from_keyed_vectors(model.wv, copy=copy)

    @classmethod
    def from_facebook(cls, path, *, encoding="utf-8"):
        """Load vectors from Facebook's fastText ``.bin`` file (gensim's ``load_facebook_vectors``).

        The whole file's layout is checked first (header, vocabulary, both matrices' sizes): gensim's reader
        loops forever on a file cut inside its vocabulary, and reads a file cut inside its output matrix
        without a word. This format is not a pickle: loading it runs no stored code.

        Raises
        ------
        ModelFileError
            Missing, truncated or not a fastText ``.bin`` file.
        """
        check_facebook_file(path, full_model=True)
        try:
            with _real_names():
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
        ModelFileError
            Missing, truncated, or not a gensim file.
        IncompatibleModelError
            The file holds something other than fastText vectors (e.g. word2vec vectors).

        Notes
        -----
        gensim's native format is a Python pickle: loading runs code stored in the file. Only load files you
        trust (Facebook's ``.bin`` format, read by :meth:`from_facebook`, is not a pickle).
        """
        if is_facebook_file(fname):
            raise ModelFileError(f"{fname} is a Facebook fastText .bin file, not a gensim one; load it with "
                                 "MergeableFastTextKeyedVectors.from_facebook")
        try:
            with _real_names():
                obj = _REAL.load(fname, mmap=mmap)
        except FileNotFoundError as err:
            raise ModelFileError(f"no such model file: {fname}") from err
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
        new = cls.from_keyed_vectors(obj, copy=False) if type(obj) is not cls else obj
        new._restore_metadata()
        return new

    def _plain_copy(self):
        """A plain gensim FastTextKeyedVectors sharing our arrays, with our extras as plain data."""
        plain = _REAL.__new__(_REAL)
        state = {k: v for k, v in self.__dict__.items() if k not in _OWN_ATTRS}
        state["norms"] = None
        state[METADATA_ATTR] = {
            "alignment": self.alignment.to_dict() if self.alignment is not None else None,
            "sources": list(self.sources),
            "merge_report": self.merge_report.to_dict() if self.merge_report is not None else None,
        }
        plain.__dict__.update(state)
        return plain

    def save(self, fname, *args, **kwargs):
        """Save in gensim's native format, atomically; the file loads in plain gensim (``FastTextKeyedVectors.load``).

        Takes the arguments of :meth:`gensim.utils.SaveLoad.save`. The data is written beside `fname` and
        renamed over it at the end (side files of large arrays included). As in gensim, the composed
        ``vectors`` are not stored: loading recomposes them from ``vectors_vocab`` and the buckets.
        """
        if not isinstance(fname, (str, bytes)) and not hasattr(fname, "__fspath__"):
            raise TypeError(f"save needs a file path (atomic saves cannot write to an open handle), got {fname!r}")
        plain = self._plain_copy()
        with atomic_output(fname) as tmp, _real_names():
            plain.save(tmp, *args, **kwargs)
        self.lifecycle_events = getattr(plain, "lifecycle_events", getattr(self, "lifecycle_events", None))
        logger.info("saved %s to %s", self, fname)

    def vectors_for_all(self, keys, allow_inference=True, copy_vecattrs=False):
        """As gensim's ``vectors_for_all``, returning this class: `keys` become the vocabulary.

        The result keeps this model's n-gram buckets (shared, not copied), so it still infers vectors for
        other words; its word-token vectors are solved so that gensim's composition gives back exactly the
        vectors looked up here (see ``gensim_merge._fasttext_ops.back_solve``).
        """
        with _real_names():
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
    def align_to(self, target, anchors=None, *, method="orthogonal", center=False, normalize=True, ridge=0.0,
                 n_anchors=5000, anchor_min_count=20, on_missing="raise", trim=True, trim_threshold=3.0,
                 heldout=0.1, seed=0, chunk_size=DEFAULT_CHUNK_SIZE):
        """Map this model into `target`'s space: every whole-word vector and every n-gram bucket.

        The options are those of :meth:`gensim_merge.MergeableKeyedVectors.align_to`; the map is fitted on
        the whole-word vectors (``vectors``) of the anchors, then applied to ``vectors``, ``vectors_vocab``
        and ``vectors_ngrams``, so ``result[w] = map(self[w])`` for every word, seen or not.

        Parameters
        ----------
        target : gensim.models.KeyedVectors
            Any model with whole-word vectors (fastText or word2vec) sharing words with this one.

        Returns
        -------
        MergeableFastTextKeyedVectors
            ``result.alignment`` holds the fitted map and its report.

        Raises
        ------
        NoBucketsError, DimensionMismatchError, AnchorError, NonFiniteVectorsError, EmptyModelError

        Examples
        --------
        >>> from gensim.models import FastText
        >>> from gensim.test.utils import common_texts
        >>> a = FastText(common_texts, vector_size=8, min_count=1, bucket=500, workers=1, seed=1)
        >>> b = FastText(common_texts, vector_size=8, min_count=1, bucket=500, workers=1, seed=2)
        >>> aligned = MergeableFastTextKeyedVectors.from_fasttext(a).align_to(b.wv, anchor_min_count=1)
        >>> aligned.alignment.method
        'orthogonal'
        """
        alignment = self.alignment_to(
            target, anchors, method=method, center=center, normalize=normalize, ridge=ridge, n_anchors=n_anchors,
            anchor_min_count=anchor_min_count, on_missing=on_missing, trim=trim, trim_threshold=trim_threshold,
            heldout=heldout, seed=seed)
        return self.apply_alignment(alignment, chunk_size=chunk_size)

    def alignment_to(self, target, anchors=None, *, method="orthogonal", center=False, normalize=True, ridge=0.0,
                     n_anchors=5000, anchor_min_count=20, on_missing="raise", trim=True, trim_threshold=3.0,
                     heldout=0.1, seed=0):
        """Fit the map :meth:`align_to` would apply (on whole-word vectors), without applying it."""
        check_keyed_vectors(self, "source")
        check_keyed_vectors(target, "target")
        check_same_dim(self, target)
        check_buckets(self, "source")
        resolved = resolve_anchors(self, target, anchors, n_anchors=n_anchors, min_count=anchor_min_count,
                                   on_missing=on_missing)
        return fit_alignment(
            self.vectors, target.vectors, source_rows=resolved.source_index, target_rows=resolved.target_index,
            method=method, center=center, normalize=normalize, ridge=ridge, trim=trim,
            trim_threshold=trim_threshold, heldout=heldout, seed=seed, source_words=resolved.source_words,
            target_words=resolved.target_words, n_missing=resolved.n_missing)

    def apply_alignment(self, alignment, *, chunk_size=DEFAULT_CHUNK_SIZE):
        """A new model with every stored row (words, word tokens, n-gram buckets) mapped by `alignment`."""
        if not isinstance(alignment, Alignment):
            raise IncompatibleModelError(f"apply_alignment needs an Alignment, got {type(alignment).__name__}")
        check_keyed_vectors(self, "source")
        check_buckets(self, "source")
        logger.info("mapping %i words and %i n-gram buckets with the %s alignment", len(self), self.bucket,
                    alignment.method)
        result = self._with_arrays(
            alignment.apply(self.vectors, chunk_size=chunk_size, keys=self.index_to_key),
            alignment.apply(self.vectors_vocab, chunk_size=chunk_size, keys=self.index_to_key),
            alignment.apply(self.vectors_ngrams, chunk_size=chunk_size))
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
    def merge_with(self, *others, names=None, strategy="count", bucket_weights="ngram", align=True,
                   align_options=None, center_fit=None, chunk_size=DEFAULT_CHUNK_SIZE):
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
        from gensim_merge._fasttext_merge import merge_fasttext

        return merge_fasttext(self, list(others), names=names, strategy=strategy, bucket_weights=bucket_weights,
                              align=align, align_options=align_options, center_fit=center_fit,
                              chunk_size=chunk_size)

    def provenance(self, key):
        """Names of the merged inputs that held `key` (a word of the vocabulary).

        Raises
        ------
        KeyError
            `key` is not in the vocabulary (words inferred from n-grams have no provenance).
        NotMergedError
            The model was not produced by a merge.
        """
        index = self.get_index(key)
        if not self.sources or "provenance" not in self.expandos:
            raise NotMergedError(f"provenance needs a model produced by merge_with; this {type(self).__name__} "
                                 "was never merged")
        bits = int(self.expandos["provenance"][index])
        return [name for bit, name in enumerate(self.sources) if bits >> bit & 1]

    # ------------------------------------------------------------------------------------------------
    # continued training
    # ------------------------------------------------------------------------------------------------
    @classmethod
    def continue_from(cls, source, corpus, **options):
        """Continue training a FastText model on a new corpus; the updated vectors, with the full model attached.

        A thin front of :func:`gensim_merge.fasttext_continuation.continue_fasttext` (see there for the
        options). ``result.model`` is the continued full model, ``result.continuation_report`` what was done.
        """
        from gensim_merge.fasttext_continuation import continue_fasttext

        model, report = continue_fasttext(source, corpus, **options)
        kv = cls.from_fasttext(model, copy=False)
        kv.model, kv.continuation_report = model, report
        return kv
