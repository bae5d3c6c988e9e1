"""The README's main job on data that ships with gensim: train two models on two halves of a corpus,
align one onto the other, and print what the alignment found.

Run it with ``python -m gensim_merge.demo``.
"""

import logging
import time

from gensim.models import Word2Vec
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess

from gensim_merge.keyedvectors import MergeableKeyedVectors

__all__ = ["load_demo_corpus", "train_demo_model", "run_demo"]

logger = logging.getLogger(__name__)

#: Training settings of the demo models: small and quick, deterministic with workers=1.
DEMO_PARAMS = dict(vector_size=50, window=5, min_count=3, epochs=20, sg=0, workers=1)


def load_demo_corpus(name="lee_background.cor"):
    """The tokenised documents of a corpus bundled with gensim, split into two halves (even / odd lines).

    Returns
    -------
    (list of list of str, list of list of str)
    """
    with open(datapath(name), encoding="latin-1") as fin:
        docs = [simple_preprocess(line) for line in fin if line.strip()]
    return docs[0::2], docs[1::2]


def train_demo_model(sentences, seed):
    """A small Word2Vec model with the demo's settings."""
    return Word2Vec(sentences, seed=seed, **DEMO_PARAMS)


def run_demo(*, seed=1, out=print):
    """Train on two halves of gensim's Lee corpus, align half B onto half A, report.

    Parameters
    ----------
    seed : int, optional
    out : callable, optional
        Where lines of the summary go (``print`` by default).

    Returns
    -------
    MergeableKeyedVectors
        Half B's vectors in half A's space.
    """
    half_a, half_b = load_demo_corpus()
    start = time.perf_counter()
    model_a = MergeableKeyedVectors.from_word2vec(train_demo_model(half_a, seed), copy=False)
    model_b = MergeableKeyedVectors.from_word2vec(train_demo_model(half_b, seed + 1), copy=False)
    train_s = time.perf_counter() - start
    out(f"trained {model_a} on {len(half_a)} documents and {model_b} on {len(half_b)} documents "
        f"({train_s:.1f} s)")
    start = time.perf_counter()
    aligned = model_b.align_to(model_a)
    out(f"aligned B onto A in {time.perf_counter() - start:.2f} s")
    out(str(aligned.alignment.report))
    for word in ("government", "police", "world"):
        if word in model_a and word in aligned:
            near_a = [w for w, _ in model_a.most_similar(word, topn=4)]
            near_b = [w for w, _ in model_a.similar_by_vector(aligned[word], topn=4)]
            out(f"  {word!r}: neighbours in A {near_a}; B's aligned vector lands near {near_b}")
    return aligned


if __name__ == "__main__":
    logging.basicConfig(format="%(asctime)s : %(levelname)s : %(message)s", level=logging.WARNING)
    run_demo()
