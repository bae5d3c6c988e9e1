"""Reading and writing word vectors in every format gensim-merge meets, detected from the file itself.

Five formats:

============================  ==========================  ===========================================
format name                   written for extensions      what it is
============================  ==========================  ===========================================
``"native"``                  ``.kv``, ``.model``         gensim's own ``save`` (a Python pickle plus
                                                          ``.npy`` side files); full ``Word2Vec.save``
                                                          files load too (their word vectors)
``"word2vec-text"``           ``.txt``, ``.vec``          the word2vec C tool's text format (also
                                                          headerless GloVe-style text on reading)
``"word2vec-binary"``         ``.bin``                    the word2vec C tool's binary format
``"safetensors"``             ``.safetensors``            pickle-free: vectors, keys, per-key
                                                          attributes and metadata (a fastText
                                                          model's n-gram buckets too)
``"fasttext-binary"``         (read only)                 Facebook's fastText ``.bin``: read with its
                                                          n-gram buckets into
                                                          ``MergeableFastTextKeyedVectors`` (no pickle)
============================  ==========================  ===========================================

A trailing ``.gz`` compresses the native and word2vec formats. :func:`load_vectors` looks at the bytes of
the file (gzip and pickle magic numbers, the safetensors header, the word2vec header line and first record),
so a misnamed file still loads as what it is.

Security: gensim's native format is a pickle, and unpickling runs code stored in the file. Like
``numpy.load(allow_pickle=False)``, :func:`load_vectors` refuses native files unless called with
``allow_pickle=True`` (on the command line, ``--allow-pickle``); detection never unpickles. Exchange vectors
as ``.safetensors``, which holds data only (layout: :mod:`gensim_merge._safetensors`); plain gensim reads
them after one ``gensim-merge convert vectors.safetensors vectors.kv``.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from gensim_merge import MergeableKeyedVectors
>>> kv = MergeableKeyedVectors(3)
>>> kv.add_vectors(["new york", "café", "line\\nbreak"], np.eye(3, dtype=np.float32))
>>> path = os.path.join(tempfile.mkdtemp(), "vectors.safetensors")
>>> save_vectors(kv, path)
'safetensors'
>>> loaded, fmt = load_vectors(path, mmap="r", return_format=True)
>>> fmt, loaded.index_to_key == kv.index_to_key, bool((loaded.vectors == kv.vectors).all())
('safetensors', True, True)
"""

from gensim_merge._formats import (
    EXTENSIONS,
    FORMATS,
    describe_file,
    describe_format,
    detect_format,
    format_for_path,
)
from gensim_merge._safetensors import FORMAT_NAME as SAFETENSORS_FORMAT
from gensim_merge.keyedvectors import load_vectors, save_vectors

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "SAFETENSORS_FORMAT",
    "describe_file",
    "describe_format",
    "detect_format",
    "format_for_path",
    "load_vectors",
    "save_vectors",
]
