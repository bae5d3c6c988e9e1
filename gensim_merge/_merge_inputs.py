"""The checks a merge runs on its inputs and options before any work, and the names of its sources."""

__all__ = [
    "COUNT_RULES",
    "MAX_SOURCES",
    "STRATEGIES",
    "check_inputs",
    "check_options",
    "check_unique_keys",
    "resolve_center_fit",
    "resolve_reference",
    "source_names",
    "warn_rank_based",
]

import warnings
from collections.abc import Mapping

from gensim_merge._align_options import AlignOptions
from gensim_merge._validation import OPTIONS, check_integer, check_keyed_vectors, check_options_of, check_same_dim
from gensim_merge.errors import DuplicateKeyError, OptionError, OptionTypeError

#: How shared words are combined (see :mod:`gensim_merge.merging`).
STRATEGIES = OPTIONS["merge"]["strategy"].choices
#: How the result's count of a word several inputs hold is formed (see :func:`gensim_merge.merging.merge_vectors`).
COUNT_RULES = OPTIONS["merge"]["count_rule"].choices
#: Provenance is a bit mask per word (one bit per original input).
MAX_SOURCES = 64


def check_inputs(models, reference, names, strategy, align, align_options, center_fit, chunk_size, progress,
                 count_rule="sum"):
    """Every option and input checked before any work; the resolved names, sources, reference and options.

    The one check of a merge's options for both model kinds (word2vec and fastText).
    """
    check_options(len(models), strategy, chunk_size, progress, count_rule)
    check_options_of("merge", align=align)
    align_options, center_fit = resolve_center_fit(align, align_options, center_fit)
    names, flat_sources, bit_offsets = source_names(models, names)
    reference = resolve_reference(reference, names)
    for name, kv in zip(names, models):
        check_keyed_vectors(kv, name)
        check_same_dim(models[reference], kv, names[reference], name)
        check_unique_keys(kv, name)
    return names, flat_sources, bit_offsets, reference, align_options, center_fit


def check_options(n_models, strategy, chunk_size, progress, count_rule):
    """The merge options that need no model: the number of inputs, strategy, chunk_size, progress, count_rule."""
    if n_models < 1:
        raise OptionError("merge needs at least one model; give one or more", option="models", value=n_models)
    check_options_of("merge", strategy=strategy, count_rule=count_rule, chunk_size=chunk_size)
    if progress is not None and not callable(progress):
        raise OptionTypeError(f"progress must be a callable taking a number of rows, got {type(progress).__name__}",
                              option="progress", value=progress, allowed="None or a callable")


def resolve_reference(reference: int | str, names: list[str]) -> int:
    """The reference's position: given by position, or by one of `names`."""
    if isinstance(reference, str):
        if reference not in names:
            raise OptionError(f"reference={reference!r} is not one of the inputs' names {names}; give one of them, "
                              f"or a position from 0 to {len(names) - 1}", option="reference", value=reference,
                              allowed=f"one of {names} or 0..{len(names) - 1}")
        return names.index(reference)
    return check_integer(reference, "reference", low=0, high=len(names) - 1)


def resolve_center_fit(align, align_options, center_fit):
    """``(AlignOptions, center_fit)``: the merge's centred-fit default applied to the options given.

    None means: a centred fit whenever the inputs are aligned and the options do not set ``center`` themselves
    (an explicit ``center`` is applied as fitted, translation included).
    """
    explicit_center = ("center" in align_options if isinstance(align_options, Mapping)
                       else bool(getattr(align_options, "center", False)))
    align_options = AlignOptions.from_any(align_options)
    if center_fit is None:
        center_fit = bool(align) and not explicit_center
    if center_fit:
        if not align:
            raise OptionError("center_fit=True changes how the alignments are fitted, but align=False fits "
                              "none; drop center_fit, or set align=True", option="center_fit", value=True)
        if explicit_center and not align_options.center:
            raise OptionError("center_fit=True fits on centred anchors, but align_options sets center=False; "
                              "drop one of the two", option="center_fit", value=True)
        align_options = align_options.replace(center=True)
    return align_options, bool(center_fit)


def check_unique_keys(kv, name):
    if len(kv.key_to_index) != len(kv.index_to_key):
        seen, dupes = set(), []
        for key in kv.index_to_key:
            if key in seen:
                dupes.append(key)
                if len(dupes) == 5:
                    break
            seen.add(key)
        raise DuplicateKeyError(
            f"{name} lists {len(kv.index_to_key) - len(kv.key_to_index)} key(s) more than once (e.g. {dupes}); "
            "deduplicate it first (e.g. kv.vectors_for_all(dict.fromkeys(kv.index_to_key)))"
        )


def source_names(models, names):
    """One name per input and the flat list of original sources (inputs that are merges expand)."""
    if names is None:
        names = [f"model{i}" for i in range(len(models))]
    if isinstance(names, str):
        raise OptionTypeError(f"names must be a sequence of names, one per model, got the string {names!r}",
                              option="names", value=names, allowed=f"{len(models)} names")
    names = [str(n) for n in names]
    if len(names) != len(models):
        raise OptionError(f"names={names} gives {len(names)} name(s) for {len(models)} models; give one name per "
                          "model (the reference first in merge_with), or leave names out", option="names",
                          value=names, allowed=f"{len(models)} distinct names")
    flat, offsets = [], []
    for name, kv in zip(names, models):
        offsets.append(len(flat))
        inner = list(getattr(kv, "sources", None) or [])
        has_mask = "provenance" in kv.expandos and inner
        flat.extend([f"{name}/{s}" for s in inner] if has_mask else [name])
    if len(set(flat)) != len(flat):
        raise OptionError(f"names must be distinct, got {names}; give each model its own name", option="names",
                          value=names, allowed=f"{len(models)} distinct names")
    if len(flat) > MAX_SOURCES:
        raise OptionError(f"provenance records at most {MAX_SOURCES} original inputs, got {len(flat)}; "
                         "merge in stages and save intermediate results without provenance")
    return names, flat, offsets


def warn_rank_based(names, found, curve_name):
    """Warn once, naming the inputs whose counts are gensim's rank stand-ins and what the merge did with them."""
    stand_ins = [name for name, c in zip(names, found) if c.kind == "stand-in"]
    if stand_ins and len(names) > 1:
        curve = ("a Zipf curve" if curve_name == "zipf"
                 else f"the frequency curve of {curve_name} (its real count at the same rank)")
        warnings.warn(
            f"the counts of {', '.join(stand_ins)} are gensim's rank-based stand-ins (n, n-1, ..., 1: a word2vec "
            f"file loaded without its vocabulary file); their ranks were put on {curve} to weigh shared words, "
            "and the merge report says so; give the real counts (load_word2vec_format(..., fvocab=FILE), or "
            "gensim-merge merge --counts FILE ...) for a merge weighted by real counts", UserWarning, stacklevel=4)
