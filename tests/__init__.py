"""Tests of gensim_merge: a package, so that plain ``pytest`` puts the repository root on sys.path (rootdir-based
``prepend`` import mode) and ``from tests.conftest import ...`` works as under ``python -m pytest``."""
