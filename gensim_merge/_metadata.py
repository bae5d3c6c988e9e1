"""The package's own attributes of a model, and the one to/from plain-data pair every file format uses.

Both model classes (word2vec and fastText) carry the same extras: the alignment that brought the vectors into
their space, the merged inputs' names, the merge report, and (not saved) the full model and continuation report
of a continued training. Files store them as plain data under :data:`METADATA_ATTR`, so that plain gensim loads
the files without gensim_merge.
"""

from gensim_merge.alignment import Alignment
from gensim_merge.merging import MergeReport

__all__ = ["METADATA_ATTR", "OWN_ATTRS", "MetadataMixin"]

#: Attribute under which our metadata travels inside a plain-gensim file.
METADATA_ATTR = "gensim_merge_metadata"
#: Attributes of the classes that gensim's do not have, and their defaults (a callable makes a fresh one).
_DEFAULTS = (("alignment", None), ("sources", list), ("merge_report", None), ("model", None),
             ("continuation_report", None))
OWN_ATTRS = tuple(name for name, _ in _DEFAULTS)


class MetadataMixin:
    """Defaults of the package's own attributes, and their one to/from plain-data pair."""

    def _set_defaults(self):
        for name, default in _DEFAULTS:
            if not hasattr(self, name):
                setattr(self, name, default() if callable(default) else default)

    def _metadata_to_dict(self):
        """Our own attributes as plain data (str, numbers, lists, dicts, numpy arrays): what every file
        format stores besides keys, vectors and per-key attributes. Inverse: :meth:`_metadata_from_dict`."""
        return {
            "alignment": self.alignment.to_dict() if self.alignment is not None else None,
            "sources": list(self.sources),
            "merge_report": self.merge_report.to_dict() if self.merge_report is not None else None,
        }

    def _metadata_from_dict(self, metadata):
        if metadata.get("alignment") is not None:
            self.alignment = Alignment.from_dict(metadata["alignment"])
        if metadata.get("sources") is not None:
            self.sources = list(metadata["sources"])
        if metadata.get("merge_report") is not None:
            self.merge_report = MergeReport.from_dict(metadata["merge_report"])

    def _restore_metadata(self):
        """After unpickling a file: our attributes back from the plain data it carried (defaults otherwise)."""
        self._metadata_from_dict(self.__dict__.pop(METADATA_ATTR, None) or {})
        self._set_defaults()
