"""An alignment report to look at: one self-contained HTML file with its charts embedded.

:func:`alignment_report_html` writes what an :class:`~gensim_merge.alignment.AlignmentReport` says as a page:
the estimated quality figures, a histogram of the anchors' residuals (``1 − cosine`` after mapping) with the
trimming cut-off, the most shifted words with their nearest neighbours in each model (the words used in a
different sense in the two corpora), and a 2-D projection (the first two principal components of the target
space) of chosen words before and after alignment, next to their positions in the target.

The charts are drawn with matplotlib's Agg backend (no display needed) and embedded as base64 PNG, so the
file can be mailed or archived alone; with ``png_dir`` they are also written as PNG files. matplotlib is an
optional dependency: ``pip install "gensim-merge[report]"``.
"""

import base64
import html
import io
import logging
import os

import numpy as np
from gensim.models import KeyedVectors

from gensim_merge._files import atomic_output
from gensim_merge._procrustes import row_cosines
from gensim_merge._validation import check_keyed_vectors, check_same_dim
from gensim_merge.alignment import Alignment, AlignOptions, resolve_anchors
from gensim_merge.errors import IncompatibleModelError, OptionTypeError
from gensim_merge.evaluation import nearest_keys

__all__ = ["PNG_NAMES", "alignment_report_html", "require_matplotlib"]

logger = logging.getLogger(__name__)

#: File names of the charts written to ``png_dir``.
PNG_NAMES = {"residuals": "residuals.png", "projection": "projection.png"}
_N_FREQUENT = 8      # frequent anchors shown in the projection by default
_N_SHIFTED = 6       # most shifted anchors shown in the projection by default
_N_TABLE = 15        # rows of the most-shifted table
_N_NEIGHBOURS = 5
_PCA_ROWS = 5000     # most frequent target rows the projection is fitted on


def require_matplotlib():
    """Return matplotlib's (Figure, FigureCanvasAgg); raise an ImportError naming the extra to install."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError(
            "the HTML alignment report needs matplotlib, which is not installed; install it with "
            "pip install \"gensim-merge[report]\" (or pip install matplotlib)"
        ) from err
    del matplotlib
    return Figure, FigureCanvasAgg


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1150px;
color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right}
img{max-width:100%;height:auto;display:block;margin:.5em 0}
.note{color:#666;font-size:.85em}
"""


def alignment_report_html(source, target, alignment_or_aligned, path, *, words=None, png_dir=None,
                          anchors=AlignOptions.anchors, anchor_min_count=AlignOptions.anchor_min_count, title=None,
                          source_name=None, target_name=None):
    """Write an alignment report as one self-contained HTML file (charts embedded as PNG).

    Parameters
    ----------
    source, target : gensim.models.KeyedVectors
        The model that was aligned (in its own space) and the model it was aligned to. Only read.
    alignment_or_aligned : Alignment or MergeableKeyedVectors
        The fitted map, or the aligned model (the result of ``source.align_to(target)``, whose
        ``.alignment`` is used).
    path : str or os.PathLike
        The HTML file to write (atomically).
    words : list of str or of (str, str), optional
        Words (or source/target pairs) to show in the 2-D projection. Default: the most shifted anchors
        and a few frequent ones.
    png_dir : str or os.PathLike, optional
        Also write the charts as PNG files there (names in :data:`PNG_NAMES`); created if missing.
    anchors : optional
        The anchors the alignment was fitted with (any spelling :meth:`MergeableKeyedVectors.align_to`
        accepts), for the residual histogram. Default: the shared words, most frequent first, as many as
        the report counts.
    anchor_min_count : int, optional
        As in ``align_to`` (shared-word anchors only; see :class:`~gensim_merge.alignment.AlignOptions`).
    title : str, optional
        Page title.
    source_name, target_name : str, optional
        How the page names the two models, e.g. their file names (the command line passes those).
        Default: "source" and "target".

    Returns
    -------
    str
        `path`.

    Raises
    ------
    ImportError
        matplotlib is not installed (``pip install "gensim-merge[report]"``).
    OptionError
        `anchors` or `anchor_min_count` refused by :class:`~gensim_merge.alignment.AlignOptions`.
    IncompatibleModelError, DimensionMismatchError, EmptyModelError, AnchorError

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from gensim_merge import MergeableKeyedVectors
    >>> rng = np.random.default_rng(0)
    >>> words = [f"w{i}" for i in range(80)]
    >>> target = MergeableKeyedVectors(6)
    >>> target.add_vectors(words, rng.normal(size=(80, 6)).astype(np.float32))
    >>> source = MergeableKeyedVectors(6)
    >>> source.add_vectors(words, target.vectors[:, ::-1].copy())
    >>> aligned = source.align_to(target)
    >>> out = alignment_report_html(source, target, aligned, os.path.join(tempfile.mkdtemp(), "r.html"),
    ...                             source_name="new.kv", target_name="old.kv")
    >>> page = open(out).read()
    >>> "data:image/png;base64," in page, "<b>new.kv</b>" in page
    (True, True)
    """
    options = AlignOptions(anchors=anchors, anchor_min_count=anchor_min_count)
    names = {role: _checked_name(name, role) for role, name in (("source", source_name), ("target", target_name))}
    title = _checked_name(title, "gensim-merge alignment report", option="title")
    Figure, Canvas = require_matplotlib()
    alignment = _resolve_alignment(alignment_or_aligned)
    check_keyed_vectors(source, "source")
    check_keyed_vectors(target, "target")
    check_same_dim(source, target)
    check_same_dim(source, alignment, "source", "alignment")
    report = alignment.report

    resolved = resolve_anchors(source, target, options.anchors, n_anchors=report.n_anchors,
                               min_count=options.anchor_min_count, on_missing="skip")
    A = np.asarray(source.vectors[resolved.source_index], dtype=np.float64) - alignment.source_mean
    B = np.asarray(target.vectors[resolved.target_index], dtype=np.float64) - alignment.target_mean
    residuals = 1.0 - row_cosines(A @ alignment.matrix, B)
    cutoff = (1.0 - max(c for _, _, c in report.trimmed)) if report.trimmed else None

    rows_s, rows_t, labels, n_shifted = _choose_words(source, target, resolved, report, words)
    centre, basis = _pca_basis(target)
    before = (np.asarray(source.vectors[rows_s], dtype=np.float64) - centre) @ basis
    after = (alignment.apply(np.asarray(source.vectors[rows_s])).astype(np.float64) - centre) @ basis
    target_xy = (np.asarray(target.vectors[rows_t], dtype=np.float64) - centre) @ basis

    charts = {
        "residuals": _residual_chart(residuals, cutoff, report, Figure, Canvas),
        "projection": _projection_chart(before, after, target_xy, labels, n_shifted, Figure, Canvas),
    }
    if png_dir is not None:
        os.makedirs(png_dir, exist_ok=True)
        for name, data in charts.items():
            with atomic_output(os.path.join(png_dir, PNG_NAMES[name])) as tmp, open(tmp, "wb") as fout:
                fout.write(data)
    page = _page(title, names, source, target, report, charts, trimmed_any=cutoff is not None)
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf8") as fout:
        fout.write(page)
    logger.info("wrote the alignment report to %s", path)
    return os.fspath(path)


def _checked_name(name, default, option=None):
    """`name` as given (a str), or `default` when None."""
    if name is None:
        return default
    if not isinstance(name, str):
        option = option or f"{default}_name"
        raise OptionTypeError(f"{option} must be a str, got {type(name).__name__}", option=option, value=name,
                              allowed="a str")
    return name


def _describe(kv):
    return f"{len(kv.index_to_key)} words, {kv.vector_size} dimensions"


def _shifted_rows(source, target, report):
    """Rows of the most-shifted table: word, cosine after mapping, trimmed, neighbours in each model."""
    shifted = [(s, t, c) for s, t, c in report.most_shifted
               if s in source.key_to_index and t in target.key_to_index][:_N_TABLE]
    near_s = nearest_keys(source, [source.key_to_index[s] for s, _, _ in shifted], _N_NEIGHBOURS)
    near_t = nearest_keys(target, [target.key_to_index[t] for _, t, _ in shifted], _N_NEIGHBOURS)
    trimmed = {(s, t) for s, t, _ in report.trimmed}
    return [
        (s if s == t else f"{s} → {t}", f"{c:.3f}", "yes" if (s, t) in trimmed else "no",
         ", ".join(ns), ", ".join(nt))
        for (s, t, c), ns, nt in zip(shifted, near_s, near_t)
    ]


def _quality_rows(source, target, report, names):
    n_shared = sum(1 for k in source.index_to_key if k in target.key_to_index)
    return [
        ("method", report.method),
        ("preprocessing", f"center={report.center}, normalize={report.normalize}, scale={report.scale:.4f}"),
        ("anchors offered / used / trimmed / held out",
         f"{report.n_anchors} / {report.n_used} / {len(report.trimmed)} / {report.n_heldout}"),
        ("mean cosine, fitted anchors", _fmt(report.mean_cosine)),
        ("held-out mean cosine", _fmt(report.heldout_cosine)),
        ("held-out precision@1", _fmt(report.heldout_precision_at_1)),
        ("explicit pairs skipped (word missing)", report.n_missing),
        (f"words in {names['source']} / {names['target']} / both",
         f"{len(source.index_to_key)} / {len(target.index_to_key)} / {n_shared}"),
    ]


def _residuals_note(trimmed_any):
    note = ("Anchors far to the right moved most between the two models: often words used in a different sense "
            "in the two corpora")
    if trimmed_any:
        return note + "; the robust refit dropped those right of the dashed line from the fit."
    return note + ". No anchor was trimmed: the robust refit kept them all (or trimming was off)."


def _page(title, names, source, target, report, charts, *, trimmed_any):
    """The HTML page, as a str."""
    images = {name: base64.b64encode(data).decode("ascii") for name, data in charts.items()}
    shifted_rows = _shifted_rows(source, target, report)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        (f"<p>Source <b>{html.escape(names['source'])}</b> ({_describe(source)}) mapped into the space of target "
         f"<b>{html.escape(names['target'])}</b> ({_describe(target)}).</p>"),
        "<h2>Estimated quality</h2>",
        _table(_quality_rows(source, target, report, names), ("figure", "value")),
        ('<p class="note">Held-out figures are measured on anchors kept out of the fit: the honest estimate. '
         "Precision@1: share of held-out anchors whose nearest target anchor is their own pair.</p>"),
        "<h2>Anchor residuals</h2>",
        (f'<img id="residuals" alt="histogram of anchor residuals" '
         f'src="data:image/png;base64,{images["residuals"]}">'),
        f'<p class="note">{html.escape(_residuals_note(trimmed_any))}</p>',
        "<h2>Most shifted words</h2>",
        _table(shifted_rows, ("word", "cosine after mapping", "trimmed", f"neighbours in {names['source']}",
                              f"neighbours in {names['target']}")) if shifted_rows else "<p>No anchors listed.</p>",
        "<h2>Before and after alignment</h2>",
        (f'<img id="projection" alt="2-D projection before and after alignment" '
         f'src="data:image/png;base64,{images["projection"]}">'),
        ('<p class="note">Before alignment the source vectors live in their own, arbitrarily rotated space; after '
         "alignment each should sit near its target position (joined by a line).</p>"),
        "</body></html>",
    ]
    return "\n".join(parts)


def _resolve_alignment(alignment_or_aligned):
    if isinstance(alignment_or_aligned, Alignment):
        return alignment_or_aligned
    alignment = getattr(alignment_or_aligned, "alignment", None)
    if isinstance(alignment_or_aligned, KeyedVectors) and isinstance(alignment, Alignment):
        return alignment
    raise IncompatibleModelError(
        "alignment_or_aligned must be an Alignment or an aligned model (the result of align_to, whose "
        f".alignment is set), got {type(alignment_or_aligned).__name__}"
        + (" without an alignment" if isinstance(alignment_or_aligned, KeyedVectors) else "")
    )


def _png(fig, canvas_cls):
    canvas_cls(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def _residual_chart(residuals, cutoff, report, Figure, Canvas):
    fig = Figure(figsize=(7, 3.6), layout="constrained")
    ax = fig.add_subplot()
    bins = min(60, max(10, len(residuals) // 20))
    ax.hist(residuals, bins=bins, color="#4c72b0", edgecolor="white", linewidth=0.4)
    if cutoff is not None:
        ax.axvline(cutoff, color="#c44e52", linestyle="--", linewidth=1.5,
                   label=f"trimmed from {cutoff:.3f} on ({len(report.trimmed)} anchors)")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xlabel("residual 1 − cosine (mapped source anchor vs target anchor)")
    ax.set_ylabel("anchors")
    ax.set_title(f"Anchor residuals ({len(residuals)} anchor pairs)", fontsize=10)
    return _png(fig, Canvas)


def _projection_chart(before, after, target_xy, labels, n_shifted, Figure, Canvas):
    fig = Figure(figsize=(11, 5), layout="constrained")
    colours = ["#c44e52" if i < n_shifted else "#4c72b0" for i in range(len(labels))]
    for k, (title, source_xy) in enumerate((("before alignment", before), ("after alignment", after))):
        ax = fig.add_subplot(1, 2, k + 1)
        for (sx, sy), (tx, ty), c in zip(source_xy, target_xy, colours):
            ax.plot([sx, tx], [sy, ty], color=c, alpha=0.35, linewidth=0.8)
        ax.scatter(target_xy[:, 0], target_xy[:, 1], marker="o", s=36, facecolors="none", edgecolors=colours,
                   label="target")
        ax.scatter(source_xy[:, 0], source_xy[:, 1], marker="x", s=30, c=colours, label="source")
        for (x, y), label in zip(target_xy, labels):
            ax.annotate(label, (x, y), fontsize=7, xytext=(3, 3), textcoords="offset points")
        ax.set_title(f"{title}: source (x) and target (o)", fontsize=10)
        ax.set_xlabel("target PC 1")
        ax.set_ylabel("target PC 2")
        ax.legend(loc="best", fontsize=7)
    fig.suptitle("2-D projection (target's principal components); red: most shifted, blue: frequent anchors",
                 fontsize=9)
    return _png(fig, Canvas)


def _choose_words(source, target, anchors, report, words):
    """(source rows, target rows, labels, number of 'shifted' rows first) of the words to project."""
    pairs = []
    if words is not None:
        for item in words:
            s, t = (item, item) if isinstance(item, str) else tuple(item)
            if s in source.key_to_index and t in target.key_to_index:
                pairs.append((s, t))
            else:
                logger.warning("report: %r is not in both models; left out of the projection", item)
        n_shifted = 0
    else:
        for s, t, _ in report.most_shifted:
            if len(pairs) == _N_SHIFTED:
                break
            if s in source.key_to_index and t in target.key_to_index:
                pairs.append((s, t))
        n_shifted = len(pairs)
        shifted = set(pairs)
        frequent = [p for p in zip(anchors.source_words, anchors.target_words) if p not in shifted]
        pairs.extend(frequent[:_N_FREQUENT])
    pairs = list(dict.fromkeys(pairs))
    rows_s = np.array([source.key_to_index[s] for s, _ in pairs], dtype=np.intp)
    rows_t = np.array([target.key_to_index[t] for _, t in pairs], dtype=np.intp)
    labels = [s if s == t else f"{s}→{t}" for s, t in pairs]
    return rows_s, rows_t, labels, n_shifted


def _pca_basis(target):
    rows = np.asarray(target.vectors[:_PCA_ROWS], dtype=np.float64)
    centre = rows.mean(axis=0)
    _, _, vt = np.linalg.svd(rows - centre, full_matrices=False)
    return centre, vt[:2].T


def _table(rows, header):
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value, digits=3):
    return "n/a" if value is None else f"{value:.{digits}f}"
