"""Loading and saving of :class:`gensim_merge.fasttext.MergeableFastTextKeyedVectors` (a mixin), and the guard
that lets gensim's fastText code run while its class name is patched to ours."""

import contextlib
import logging
import pickle
import struct
import zlib

import gensim.models.fasttext as gensim_fasttext
from gensim.models.fasttext import FastText, FastTextKeyedVectors

from gensim_merge._fasttext_files import check_facebook_file, starts_like_facebook
from gensim_merge._io import atomic_output
from gensim_merge._metadata import METADATA_ATTR, OWN_ATTRS, MetadataMixin
from gensim_merge._safetensors import is_safetensors_file
from gensim_merge.errors import IncompatibleModelError, ModelFileError, ModelFileNotFoundError

__all__ = ["FastTextFilesMixin", "real_gensim_names"]

logger = logging.getLogger("gensim_merge.fasttext")

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


def _load_error(fname, err):
    return ModelFileError(
        f"cannot read {fname} as a gensim fastText file ({type(err).__name__}: {str(err)[:200]}); is it truncated? "
        "For Facebook's .bin files use MergeableFastTextKeyedVectors.from_facebook")


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
        if is_safetensors_file(fname):
            raise ModelFileError(f"{fname} starts like a safetensors file, not gensim's native format (it is not "
                                 "unpickled); load it with gensim_merge.load_vectors")
        if starts_like_facebook(fname):
            raise ModelFileError(f"{fname} starts like a Facebook fastText .bin file, not a gensim one (it is not "
                                 "unpickled); load it with MergeableFastTextKeyedVectors.from_facebook")
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
        """Save in gensim's native format, atomically; the file loads in plain gensim (``FastTextKeyedVectors.load``).

        Takes the arguments of :meth:`gensim.utils.SaveLoad.save`. The data is written beside `fname` and
        renamed over it at the end (side files of large arrays included). As in gensim, the composed
        ``vectors`` are not stored: loading recomposes them from ``vectors_vocab`` and the buckets.
        """
        if not isinstance(fname, (str, bytes)) and not hasattr(fname, "__fspath__"):
            raise TypeError(f"save needs a file path (atomic saves cannot write to an open handle), got {fname!r}")
        plain = self._plain_copy()
        with atomic_output(fname) as tmp, real_gensim_names():
            plain.save(tmp, *args, **kwargs)
        self.lifecycle_events = getattr(plain, "lifecycle_events", getattr(self, "lifecycle_events", None))
        logger.info("saved %s to %s", self, fname)
