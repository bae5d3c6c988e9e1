"""Array-level pieces of fastText models: the word-to-bucket matrix, composing and back-solving word vectors.

gensim's :class:`~gensim.models.fasttext.FastTextKeyedVectors` keeps three matrices:

- ``vectors_vocab`` (one row per word): the trained whole-word-token vectors;
- ``vectors_ngrams`` (one row per bucket): the character n-gram vectors, hashed into ``bucket`` rows;
- ``vectors`` (one row per word): what lookups return, ``(vectors_vocab[w] + Σ_{h ∈ hashes(w)}
  vectors_ngrams[h]) / (1 + |hashes(w)|)`` (``adjust_vectors``; a hash that occurs twice counts twice).

A word outside the vocabulary gets the mean of its n-gram rows. Both are means with weights summing to one,
so an affine map ``x ↦ xW + b`` applied to every stored row maps every composed and every inferred vector the
same way. Here the composition is one sparse product instead of gensim's per-word loop.
"""

import numpy as np
import scipy.sparse

from gensim_merge.errors import BucketMismatchError, DimensionMismatchError, NoBucketsError

__all__ = ["back_solve", "bucket_evidence", "check_buckets", "check_shared_buckets", "compose", "ngram_matrix"]


def check_buckets(kv, name):
    """Raise unless `kv` is a fastText model whose n-gram buckets are present and shaped as declared."""
    if int(getattr(kv, "bucket", 0) or 0) == 0:
        raise NoBucketsError(
            f"{name} has no n-gram buckets (bucket=0): it is a whole-word model and gives no vectors to unseen "
            "words; align and merge it as word2vec vectors (MergeableKeyedVectors.from_keyed_vectors(kv)), or "
            "train it with bucket > 0")
    ngrams = getattr(kv, "vectors_ngrams", None)
    shape = (int(kv.bucket), int(kv.vector_size))
    if ngrams is None or tuple(ngrams.shape) != shape:
        got = None if ngrams is None else tuple(ngrams.shape)
        raise NoBucketsError(
            f"{name} declares bucket={kv.bucket} but its vectors_ngrams has shape {got}, expected {shape}; the "
            "model is incomplete (not trained, or saved partially): load it again from the file gensim wrote")


def check_shared_buckets(models, names):
    """Raise :class:`BucketMismatchError` unless every model hashes n-grams into the same buckets."""
    first = models[0]
    for kv, name in zip(models[1:], names[1:]):
        if kv.vector_size != first.vector_size:
            raise DimensionMismatchError(
                f"{names[0]} and {name} have different vector sizes ({first.vector_size},) vs ({kv.vector_size},);"
                " retrain one of them with the other's vector_size")
        theirs = (int(kv.bucket), int(kv.min_n), int(kv.max_n))
        ours = (int(first.bucket), int(first.min_n), int(first.max_n))
        if theirs != ours:
            raise BucketMismatchError(
                f"{names[0]} and {name} hash character n-grams differently ((bucket, min_n, max_n) = {ours} vs "
                f"{theirs}): bucket b holds different n-grams in each, so buckets cannot be combined; retrain one "
                "with the other's bucket/min_n/max_n, or merge their whole-word vectors only "
                "(MergeableKeyedVectors.from_keyed_vectors on each)")


def ngram_matrix(kv, buckets_word=None):
    """The sparse (n_words, bucket) matrix S with ``S[w, h]`` = how often hash h occurs among word w's n-grams.

    Parameters
    ----------
    kv : gensim.models.fasttext.FastTextKeyedVectors
    buckets_word : list of (k,) ndarray, optional
        The hashes of each word (default ``kv.buckets_word``, gensim's cache).

    Returns
    -------
    scipy.sparse.csr_matrix of float32
        Duplicated hashes are stored as repeated entries, which products add up as gensim's loop does.

    Examples
    --------
    >>> from gensim.models.fasttext import FastTextKeyedVectors
    >>> kv = FastTextKeyedVectors(2, min_n=3, max_n=3, bucket=50)
    >>> kv.add_vectors(["abc"], np.ones((1, 2), dtype=np.float32))
    >>> kv.recalc_char_ngram_buckets()
    >>> int(ngram_matrix(kv).sum())  # "<abc>" has 3 three-letter n-grams
    3
    """
    hashes = kv.buckets_word if buckets_word is None else buckets_word
    if hashes is None or len(hashes) != len(kv.index_to_key):
        kv.recalc_char_ngram_buckets()
        hashes = kv.buckets_word
    lengths = np.fromiter((len(h) for h in hashes), dtype=np.int64, count=len(hashes))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.concatenate(hashes).astype(np.int64) if len(hashes) else np.zeros(0, np.int64)
    data = np.ones(indices.size, dtype=np.float32)
    return scipy.sparse.csr_matrix((data, indices, indptr), shape=(len(hashes), int(kv.bucket)))


def _n_ngrams(S):
    return np.diff(S.indptr).astype(np.float32)


def compose(vectors_vocab, S, vectors_ngrams):
    """gensim's ``adjust_vectors`` in one sparse product: ``(vectors_vocab + S @ vectors_ngrams) / (1 + n)``.

    Equal to gensim's loop up to the order of float32 additions.
    """
    out = np.asarray(S @ vectors_ngrams, dtype=vectors_vocab.dtype)
    out += vectors_vocab
    out /= (1.0 + _n_ngrams(S))[:, None].astype(out.dtype)
    return out


def back_solve(vectors, S, vectors_ngrams):
    """The ``vectors_vocab`` that :func:`compose` turns into `vectors`: ``(1 + n) · vectors − S @ vectors_ngrams``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> S = scipy.sparse.csr_matrix(np.array([[1, 0, 2], [0, 1, 0]], dtype=np.float32))
    >>> ngrams, vectors = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    >>> bool(np.allclose(compose(back_solve(vectors, S, ngrams), S, ngrams), vectors))
    True
    """
    out = np.multiply(vectors, (1.0 + _n_ngrams(S))[:, None], dtype=np.result_type(vectors.dtype, np.float32))
    out -= np.asarray(S @ vectors_ngrams, dtype=out.dtype)
    return out


def bucket_evidence(S, counts):
    """Per-bucket evidence: ``Σ_w count(w) · S[w, h]``, how many token occurrences trained bucket h (float64)."""
    return np.asarray(S.T @ np.asarray(counts, dtype=np.float64)).ravel()
