"""gensim's own KeyedVectors tests, run against MergeableKeyedVectors.

gensim ships its test-suite; its module refers to ``KeyedVectors`` by a module-level name, so patching that
name makes every test build, load and check our subclass instead. Each test also checks that what the test
loaded really is a MergeableKeyedVectors, so a silent fallback to the base class cannot pass.
"""

from unittest import mock

import pytest

gensim_tests = pytest.importorskip("gensim.test.test_keyedvectors")

from gensim_merge import MergeableKeyedVectors  # noqa: E402


class _OnSubclass:
    def setUp(self):
        patcher = mock.patch.object(gensim_tests, "KeyedVectors", MergeableKeyedVectors)
        patcher.start()
        self.addCleanup(patcher.stop)
        super().setUp()
        if hasattr(self, "vectors"):
            assert type(self.vectors) is MergeableKeyedVectors


class TestKeyedVectorsOnSubclass(_OnSubclass, gensim_tests.TestKeyedVectors):
    pass


class TestLoadWord2VecFormatOnSubclass(_OnSubclass, gensim_tests.LoadWord2VecFormatTest):
    pass


class TestGensim320OnSubclass(_OnSubclass, gensim_tests.Gensim320Test):
    pass


def test_patched_name_is_used():
    """Guard: if gensim stopped using the module-level name, the tests above would test the base class."""
    with mock.patch.object(gensim_tests, "KeyedVectors", MergeableKeyedVectors):
        case = gensim_tests.TestKeyedVectors("test_most_similar")
        case.setUp()
        assert type(case.vectors) is MergeableKeyedVectors


