"""gensim's own fastText tests about the keyed vectors, run against MergeableFastTextKeyedVectors.

While each test runs, every spelling of the class that gensim's code and its test module reach is replaced by
the subclass: ``gensim.models.fasttext.FastTextKeyedVectors`` (which gensim's FastText model, its Facebook
loaders and its pickles use) and the test module's own imported name. The tests picked are those about the
keyed vectors: loading (native and Facebook files), saving, out-of-vocabulary lookup, similarity queries,
``vectors_for_all``, models without buckets. Each checks that the vectors it works on really are the
subclass, so a silent fallback to the base class cannot pass.

gensim's test module imports ``testfixtures`` (for log capture in its word2vec tests). Where that package is
missing, a stand-in whose ``log_capture`` skips the decorated test is installed, so the module imports; none of
the tests picked here uses it.
"""

import importlib.util
import os
import sys
import tempfile
import types
import unittest
from contextlib import ExitStack
from unittest import mock

import pytest

if importlib.util.find_spec("testfixtures") is None:  # pragma: no cover - depends on the environment
    def _log_capture(*_args, **_kwargs):
        def decorate(test):
            def skipped(*_a, **_k):
                raise unittest.SkipTest("testfixtures is not installed")
            return skipped
        return decorate

    sys.modules["testfixtures"] = types.SimpleNamespace(log_capture=_log_capture)

gensim_tests = pytest.importorskip("gensim.test.test_fasttext")

import gensim.models.fasttext  # noqa: E402

from gensim_merge.fasttext import MergeableFastTextKeyedVectors  # noqa: E402

SPELLINGS = ((gensim.models.fasttext, "FastTextKeyedVectors"), (gensim_tests, "FastTextKeyedVectors"))

#: gensim test case -> the methods about the keyed vectors
PICKED = {
    "TestFastTextModel": (
        "test_persistence", "test_persistence_fromfile", "test_load_fasttext_format",
        "test_load_fasttext_new_format", "test_load_model_with_non_ascii_vocab",
        "test_load_model_non_utf8_encoding", "test_oov_similarity", "test_n_similarity", "test_similarity",
        "test_most_similar", "test_most_similar_cosmul", "test_lookup", "test_contains",
        "test_get_vocab_word_vecs", "test_persistence_word2vec_format", "test_bucket_ngrams",
        "test_vectors_for_all_with_inference", "test_vectors_for_all_without_inference",
    ),
    "NativeTrainingContinuationTest": (
        "test_in_vocab", "test_out_of_vocab", "test_save_load_gensim", "test_save_load_native",
        "test_load_native_pretrained", "test_load_native_vectors", "test_no_ngrams",
    ),
    "ZeroBucketTest": ("test_in_vocab", "test_out_of_vocab"),
    "UnicodeVocabTest": ("test_ascii", "test_bad_unicode"),
    "TestFromfile": ("test_decompressed", "test_compressed"),
    "FastTextKeyedVectorsTest": ("test_add_vector", "test_add_vectors"),
}


def _patched():
    stack = ExitStack()
    for owner, name in SPELLINGS:
        stack.enter_context(mock.patch.object(owner, name, MergeableFastTextKeyedVectors))
    return stack


class _OnSubclass:
    def setUp(self):
        # some of gensim's tests save to a bare file name: keep them out of the working directory
        workdir = tempfile.TemporaryDirectory()
        self.addCleanup(workdir.cleanup)
        self.addCleanup(os.chdir, os.getcwd())
        os.chdir(workdir.name)
        self.addCleanup(_patched().__enter__().close)
        super().setUp()
        if hasattr(self, "test_model"):
            assert type(self.test_model.wv) is MergeableFastTextKeyedVectors


def _case(name):
    base = getattr(gensim_tests, name)
    picked = set(PICKED[name])
    # every other test method of gensim's case is switched off in the subclass
    body = {attr: None for attr in dir(base) if attr.startswith("test") and attr not in picked}
    return type(f"{name}OnSubclass", (_OnSubclass, base), body)


for _name in PICKED:
    globals()[f"{_name}OnSubclass"] = _case(_name)
del _name


def test_picked_tests_exist():
    """Guard: every picked gensim test is still there (a renamed test would otherwise drop out silently)."""
    for name, methods in PICKED.items():
        case = getattr(gensim_tests, name)
        for method in methods:
            assert callable(getattr(case, method)), f"{name}.{method}"


@pytest.mark.parametrize("owner, name", SPELLINGS)
def test_each_spelling_is_patched(owner, name):
    """Guard: while a test runs, gensim builds, loads and trains the subclass through each spelling."""
    with _patched():
        assert getattr(owner, name) is MergeableFastTextKeyedVectors
        model = gensim.models.fasttext.load_facebook_model(gensim_tests.datapath("lee_fasttext.bin"))
        assert type(model.wv) is MergeableFastTextKeyedVectors
        trained = gensim.models.fasttext.FastText(gensim_tests.sentences, min_count=1, bucket=100, vector_size=4)
        assert type(trained.wv) is MergeableFastTextKeyedVectors
        assert trained.wv["unseenword"].shape == (4,)
    assert getattr(owner, name) is not MergeableFastTextKeyedVectors
