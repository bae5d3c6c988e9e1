"""``python -m gensim_merge``: the ``gensim-merge`` command (see :mod:`gensim_merge.cli`)."""

from gensim_merge.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
