"""gensim's own KeyedVectors test-suite, run whole against MergeableKeyedVectors.

gensim ships its tests. Every spelling of the class that its module can reach is replaced by the subclass while
each test runs: the module-level name ``KeyedVectors``, ``gensim.models.KeyedVectors`` and
``gensim.models.keyedvectors.KeyedVectors``. Every ``unittest.TestCase`` of the module is collected, so a test
gensim adds later is run here too. Each test also checks that what it loaded really is a MergeableKeyedVectors,
so a silent fallback to the base class cannot pass.
"""

import inspect
import unittest
from contextlib import ExitStack
from unittest import mock

import pytest

gensim_tests = pytest.importorskip("gensim.test.test_keyedvectors")

import gensim.models  # noqa: E402
import gensim.models.keyedvectors  # noqa: E402

from gensim_merge import MergeableKeyedVectors  # noqa: E402

#: every place a test of gensim's module can take the class from
SPELLINGS = ((gensim_tests, "KeyedVectors"), (gensim.models, "KeyedVectors"),
             (gensim.models.keyedvectors, "KeyedVectors"))


def _patched():
    stack = ExitStack()
    for owner, name in SPELLINGS:
        stack.enter_context(mock.patch.object(owner, name, MergeableKeyedVectors))
    return stack


class _OnSubclass:
    def setUp(self):
        self.addCleanup(_patched().__enter__().close)
        super().setUp()
        if hasattr(self, "vectors"):
            assert type(self.vectors) is MergeableKeyedVectors


def _gensim_cases():
    return {
        name: case
        for name, case in vars(gensim_tests).items()
        if inspect.isclass(case) and issubclass(case, unittest.TestCase) and case.__module__ == gensim_tests.__name__
    }


for _name, _case in _gensim_cases().items():
    globals()[f"{_name}OnSubclass"] = type(f"{_name}OnSubclass", (_OnSubclass, _case), {})
del _name, _case


def test_every_gensim_case_is_run():
    """Guard: the module's test cases were found (an empty collection would pass silently)."""
    cases = _gensim_cases()
    assert {"TestKeyedVectors", "LoadWord2VecFormatTest"} <= set(cases)
    for name in cases:
        assert issubclass(globals()[f"{name}OnSubclass"], cases[name])


@pytest.mark.parametrize("owner, name", SPELLINGS)
def test_each_spelling_is_patched(owner, name):
    """Guard: while a test runs, each spelling gives the subclass, and loading through it builds the subclass."""
    with _patched():
        cls = getattr(owner, name)
        assert cls is MergeableKeyedVectors
        kv = cls.load_word2vec_format(gensim_tests.datapath("euclidean_vectors.bin"), binary=True)
        assert type(kv) is MergeableKeyedVectors
    assert getattr(owner, name) is not MergeableKeyedVectors


def test_patched_name_is_used():
    """Guard: if gensim stopped using the module-level name, the tests above would test the base class."""
    with _patched():
        case = gensim_tests.TestKeyedVectors("test_most_similar")
        case.setUp()
        assert type(case.vectors) is MergeableKeyedVectors
