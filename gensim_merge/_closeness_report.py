"""What :func:`gensim_merge.fidelity.closeness` returns: one row per word group, a table to read.

:class:`ClosenessReport` holds a :class:`GroupCloseness` row per group and ``"overall"``; its
:meth:`~ClosenessReport.table` is what ``gensim-merge evaluate`` prints. :func:`fidelity_ratio` divides a
candidate's neighbour overlap by a noise floor's (a second training of the reference).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from gensim_merge.errors import IncompatibleModelError

__all__ = ["OVERALL", "ClosenessReport", "GroupCloseness", "fidelity_ratio"]

OVERALL = "overall"
"""Name of the report row computed over the whole shared vocabulary."""


@dataclass(frozen=True)
class GroupCloseness:
    """Closeness of a model to a reference over one group of words.

    Attributes
    ----------
    name : str
        Group name (``"overall"`` for the whole shared vocabulary).
    n_words : int
        Words of the group present in both models.
    n_skipped : int
        Words of the group missing from either model (for ``"overall"``: reference words the model
        lacks).
    n_evaluated : int
        Words whose neighbours were compared (a seeded sample of at most ``max_words_per_group``).
    nn_overlap : float
        Mean neighbour overlap of the evaluated words (NaN if none).
    spearman : float
        Similarity correlation over random pairs of the group's words (NaN with fewer than 2 words).
    """

    name: str
    n_words: int
    n_skipped: int
    n_evaluated: int
    nn_overlap: float
    spearman: float


@dataclass(frozen=True)
class ClosenessReport:
    """What :func:`closeness` found: one :class:`GroupCloseness` row per group, then ``"overall"``.

    Attributes
    ----------
    groups : tuple of GroupCloseness
        The rows; look one up with ``report["name"]``.
    coverage : float
        Share of the reference's vocabulary the model holds.
    n_shared, n_model, n_reference : int
        Keys in both models, in the model, in the reference.
    topn, n_pairs, seed : int
        The settings used.
    """

    groups: tuple[GroupCloseness, ...]
    coverage: float
    n_shared: int
    n_model: int
    n_reference: int
    topn: int
    n_pairs: int
    seed: int

    @property
    def names(self) -> list[str]:
        """Group names, in row order."""
        return [row.name for row in self.groups]

    @property
    def overall(self) -> GroupCloseness:
        """The row computed over the whole shared vocabulary."""
        return self[OVERALL]

    def __getitem__(self, name: str) -> GroupCloseness:
        for row in self.groups:
            if row.name == name:
                return row
        raise KeyError(f"no group {name!r} in this report; groups are {self.names}")

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-safe dict (NaN becomes None)."""
        def clean(value: Any) -> Any:
            return None if isinstance(value, float) and math.isnan(value) else value

        return {
            "coverage": self.coverage,
            "n_shared": self.n_shared,
            "n_model": self.n_model,
            "n_reference": self.n_reference,
            "topn": self.topn,
            "n_pairs": self.n_pairs,
            "seed": self.seed,
            "groups": {
                row.name: {key: clean(value) for key, value in vars(row).items() if key != "name"}
                for row in self.groups
            },
        }

    def __str__(self) -> str:
        header = ("group", "words", "skipped", "evaluated", f"nn@{self.topn}", "rho")
        rows = [
            (row.name, str(row.n_words), str(row.n_skipped), str(row.n_evaluated),
             f"{row.nn_overlap:.3f}", f"{row.spearman:.3f}")
            for row in self.groups
        ]
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
        title = (f"{self.__class__.__name__}<coverage={self.coverage:.3f}, shared={self.n_shared}, "
                 f"model={self.n_model}, reference={self.n_reference}>")
        lines = [title]
        for cells in (header, *rows):
            lines.append("  ".join(
                cell.ljust(width) if i == 0 else cell.rjust(width)
                for i, (cell, width) in enumerate(zip(cells, widths))
            ))
        return "\n".join(lines)

    def table(self, noise_floor: ClosenessReport | None = None) -> str:
        """The report as a table to read, with a legend; with `noise_floor`, each group's ratio to it.

        Parameters
        ----------
        noise_floor : ClosenessReport, optional
            The closeness of a second training of the reference (another seed) to the reference: the
            best a candidate can be expected to reach. Adds its overlap and :func:`fidelity_ratio`.

        Returns
        -------
        str

        Examples
        --------
        >>> row = GroupCloseness("overall", 8, 2, 8, 0.5, 0.9)
        >>> print(ClosenessReport((row,), 0.8, 8, 9, 10, 10, 100, 0).table())
        group    words  nn@10 overlap    rho  coverage
        overall      8          0.500  0.900     80.0%
        <BLANKLINE>
        nn@10 overlap: share of a word's 10 nearest neighbours that are its neighbours in the reference too (1: all).
        rho: Spearman correlation of the cosines of random word pairs in the two models (1: same similarities).
        coverage: share of the group's words the model holds.
        """
        header = ["group", "words", f"nn@{self.topn} overlap", "rho", "coverage"]
        ratios = {}
        if noise_floor is not None:
            ratios = fidelity_ratio(self, noise_floor)
            header += [f"floor nn@{self.topn}", "ratio to floor"]
        rows = []
        for row in self.groups:
            known = row.n_words + row.n_skipped
            cells = [row.name, str(row.n_words), _number(row.nn_overlap), _number(row.spearman),
                     "n/a" if not known else f"{row.n_words / known:.1%}"]
            if noise_floor is not None:
                floor = noise_floor[row.name].nn_overlap if row.name in noise_floor.names else math.nan
                cells += [_number(floor), _number(ratios.get(row.name, math.nan), 2)]
            rows.append(cells)
        widths = [max(len(cell) for cell in column) for column in zip(header, *rows)]
        lines = ["  ".join(cell.ljust(width) if i == 0 else cell.rjust(width)
                           for i, (cell, width) in enumerate(zip(cells, widths))).rstrip()
                 for cells in (header, *rows)]
        lines += [
            "",
            (f"nn@{self.topn} overlap: share of a word's {self.topn} nearest neighbours that are its neighbours "
             "in the reference too (1: all)."),
            "rho: Spearman correlation of the cosines of random word pairs in the two models (1: same similarities).",
            "coverage: share of the group's words the model holds.",
        ]
        if noise_floor is not None:
            lines.append("ratio to floor: nn overlap divided by the floor's (a second training of the reference; "
                         "1.00: as close as retraining gets).")
        return "\n".join(lines)


def _number(value, digits=3):
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def fidelity_ratio(candidate: ClosenessReport, noise_floor: ClosenessReport) -> dict[str, float]:
    """Divide a candidate's neighbour overlap by the noise floor's, group by group.

    The noise floor is the closeness of a second jointly trained model (another seed) to the
    reference: the best a candidate can be expected to reach. A ratio of 1 means "as close to joint
    training as joint training itself is".

    Parameters
    ----------
    candidate, noise_floor : ClosenessReport
        Reports against the same reference.

    Returns
    -------
    dict of str to float
        One ratio per group present in both reports, in the candidate's order; NaN where the floor's
        overlap is 0 or NaN.

    Examples
    --------
    >>> floor = ClosenessReport((GroupCloseness("overall", 10, 0, 10, 0.5, 0.9),), 1.0, 10, 10, 10, 3, 100, 0)
    >>> cand = ClosenessReport((GroupCloseness("overall", 10, 0, 10, 0.4, 0.8),), 1.0, 10, 10, 10, 3, 100, 0)
    >>> fidelity_ratio(cand, floor)
    {'overall': 0.8}
    """
    for name, report in (("candidate", candidate), ("noise_floor", noise_floor)):
        if not isinstance(report, ClosenessReport):
            raise IncompatibleModelError(f"{name} must be a ClosenessReport, got {type(report).__name__}")
    floor_names = set(noise_floor.names)
    ratios = {}
    for row in candidate.groups:
        if row.name in floor_names:
            base = noise_floor[row.name].nn_overlap
            ratios[row.name] = row.nn_overlap / base if base > 0 else math.nan
    return ratios
