"""Steps the command line's commands share: reading and writing models, the alignment flags, the common options.

The alignment flags are built from :class:`gensim_merge.alignment.AlignOptions` (defaults and ranges defined
once); reading refuses gensim's native (pickle) format unless ``--allow-pickle`` is given.
"""

import argparse
import functools
import logging
import math
import os
import tempfile

__all__ = ["ALIGNMENT_FLAGS", "INPUT_DESTS", "OUTPUT_DESTS", "PROGRESS_MIN_WORDS", "add_alignment_options",
           "alignment_options", "check_distinct_files", "check_output", "common_options", "file_kind",
           "format_scores", "load", "model_kind", "read_options_of", "require_pickle_allowed", "same_file",
           "save", "source_names"]

logger = logging.getLogger(__name__)

#: Options (argparse dests) whose values are files a command reads; values that name no file are skipped.
INPUT_DESTS = ("source", "target", "models", "model", "corpus", "input", "pairs", "counts", "rehearsal", "new_model",
               "alignment", "reference", "floor")
#: Options whose values are files (or, for --png, a folder of files) a command writes.
OUTPUT_DESTS = ("output", "save_alignment", "save_model", "png")
#: Values of input options that name no file ('-': a model keeps its own counts; 'train': train it here).
_NOT_FILES = {"counts": "-", "new_model": "train"}
#: The model kinds a saver is asked about.
KINDS = ("word2vec", "fasttext")


def read_options(console):
    """The reading options of the common flags (--allow-pickle, --encoding, --unicode-errors); main() puts
    them on the console that every command passes to :func:`load`. Safe defaults without it."""
    return getattr(console, "read_options", None) or {"allow_pickle": False, "encoding": "utf8",
                                                       "unicode_errors": "strict"}


def require_pickle_allowed(path, console):
    """Refuse `path` if it is a pickle (gensim native) and --allow-pickle was not given; before any unpickling.

    For commands that unpickle a file other than through :func:`load` (``continue`` loads a full Word2Vec).
    """
    from gensim_merge._formats import refuse_pickle
    from gensim_merge.io import detect_format

    if detect_format(path) == "native" and not read_options(console)["allow_pickle"]:
        raise refuse_pickle(path)


def load(path, role, console, *, mmap=None):
    from gensim_merge.io import describe_file, load_vectors

    kv = load_vectors(path, mmap=mmap, **read_options(console))
    console.say(f"loaded {role} {path} as {describe_file(path)}: {kv}", logged=True)
    return kv


def check_output(path, option="-o/--output", kind=None):
    """Fail early (before any work) on an output path whose format or directory is unusable.

    Parameters
    ----------
    path : str
        The output file.
    option : str
        The flag that named it, for the message.
    kind : {"word2vec", "fasttext"} or None
        The kind of model that will be saved there; None when it is not known yet: the path is refused only
        when no kind can be saved under it.

    Raises
    ------
    ModelFileError
        The saver cannot write such a model to such a name (its own message, naming `option`), or the
        directory does not exist.
    """
    from gensim_merge.errors import ModelFileError

    refusals = [saver_refusal(k, os.path.basename(path)) for k in ((kind,) if kind else KINDS)]
    if all(refusals):
        message = refusals[0].replace("{path}", os.fspath(path))
        if kind == "fasttext" and saver_refusal("word2vec", os.path.basename(path)) is None:
            message += " (the model to save is a fastText model)"
        raise ModelFileError(f"{option}: {message}")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ModelFileError(f"the directory of {option} {path!r} does not exist: {directory}")


@functools.lru_cache(maxsize=64)
def saver_refusal(kind, name):
    """What the saver says when asked to save a `kind` model under the file name `name`, or None if it can.

    The saver itself is asked: a two-word model of that kind is saved as `name` in a temporary folder, so the
    command refuses exactly what :func:`gensim_merge.io.save_vectors` refuses, before any work. The message
    has ``{path}`` where the saver named the file.
    """
    from gensim_merge.errors import ModelFileError
    from gensim_merge.io import save_vectors

    silenced = logging.root.manager.disable
    logging.disable(logging.INFO)  # the probe's own training and saving are not the command's to log
    try:
        with tempfile.TemporaryDirectory() as folder:
            probe = os.path.join(folder, name)
            try:
                save_vectors(_probe_model(kind), probe)
            except ModelFileError as err:
                return " ".join(str(err).replace(repr(probe), "{path}").replace(probe, "{path}").split())
            except Exception as err:  # noqa: BLE001 -- not a refusal of the name: the real save will tell
                logger.debug("asking the saver about %s for a %s model raised %r", name, kind, err)
    finally:
        logging.disable(silenced)
    return None


def _probe_model(kind):
    """A two-word model of `kind` ("word2vec" or "fasttext"), with counts, for :func:`saver_refusal`."""
    import numpy as np

    if kind == "fasttext":
        from gensim.models import FastText

        return FastText([["a", "b"]], vector_size=2, min_count=1, bucket=8, min_n=1, max_n=2, epochs=1, workers=1,
                        seed=1).wv
    from gensim.models import KeyedVectors

    kv = KeyedVectors(2)
    kv.add_vectors(["a", "b"], np.eye(2, dtype=np.float32))
    kv.set_vecattr("a", "count", 2)
    kv.set_vecattr("b", "count", 1)
    return kv


def file_kind(path):
    """"fasttext" or "word2vec": the kind of model in the file at `path`, read from its bytes (nothing is
    unpickled); None when the bytes do not tell (a missing or unreadable file: the loader will say why)."""
    from gensim_merge.fasttext_io import is_fasttext_file
    from gensim_merge.io import detect_format

    try:
        fmt = detect_format(path)
    except (OSError, ValueError, TypeError):
        return None
    if fmt == "fasttext-binary" or is_fasttext_file(path):
        return "fasttext"
    return None if fmt == "safetensors" else "word2vec"  # a safetensors file may hold either


def model_kind(model):
    """"fasttext" or "word2vec": the kind of a loaded model (vectors or a full model)."""
    from gensim.models.fasttext import FastTextKeyedVectors

    return "fasttext" if isinstance(getattr(model, "wv", model), FastTextKeyedVectors) else "word2vec"


def check_distinct_files(args, parser):
    """Refuse an output path that is one of the inputs, or another output, before any work.

    Every output option (``-o``, ``--save-alignment``, ``--save-model``, the files ``--png`` writes) is
    compared with every input (positional files, ``--pairs``, ``--counts``, ``--rehearsal``, ...) and with the
    other outputs, by the files they resolve to (links followed).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line.
    parser : argparse.ArgumentParser
        The command's own parser (for the flags' names).

    Raises
    ------
    OptionError
        Naming both options and the path.
    """
    from gensim_merge.errors import OptionError

    inputs, outputs = [], []
    for action in parser._actions:
        if action.dest not in INPUT_DESTS + OUTPUT_DESTS:
            continue
        values = getattr(args, action.dest, None)
        values = [] if values is None else [values] if isinstance(values, str) else list(values)
        label = "/".join(action.option_strings) or action.metavar or action.dest.upper()
        if action.dest == "png":
            from gensim_merge.report_html import PNG_NAMES

            values = [os.path.join(values[0], name) for name in PNG_NAMES.values()] if values else []
        values = [v for v in values if v != _NOT_FILES.get(action.dest)]
        (outputs if action.dest in OUTPUT_DESTS else inputs).extend((label, v) for v in values)
    for i, (out_label, out) in enumerate(outputs):
        for in_label, other in outputs[:i] + inputs:
            if same_file(out, other):
                reason = ("writing it would replace that input" if (in_label, other) in inputs else
                          "the two would overwrite one another")
                raise OptionError(f"{out_label} {out!r} and {in_label} {other!r} are the same file: {reason}; "
                                  f"give {out_label} another path", option=out_label, value=out)


def same_file(a, b):
    """Whether the paths `a` and `b` name one file (links followed; hard links too when both exist)."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # e.g. hard links, or names differing in case on a case-blind disk
    except OSError:
        return False


def save(kv, path, console):
    from gensim_merge.io import describe_format, format_for_path, save_vectors

    fmt = save_vectors(kv, path)
    console.say(f"saved {kv} to {path} as {describe_format(fmt, compressed=format_for_path(path)[1])}", logged=True)


#: The command-line flag of each alignment option (every field of AlignOptions has one; a test checks it).
ALIGNMENT_FLAGS = {
    "anchors": "--pairs", "method": "--method", "center": "--center", "normalize": "--normalize",
    "ridge": "--ridge", "n_anchors": "--n-anchors", "anchor_min_count": "--anchor-min-count",
    "on_missing": "--skip-missing", "trim": "--trim", "trim_threshold": "--trim-threshold", "heldout": "--heldout",
    "seed": "--seed",
}
#: Above this many words, mapping a model shows a progress bar.
PROGRESS_MIN_WORDS = 100_000


def add_alignment_options(parser):
    """The alignment flags; defaults (shown in --help) and ranges are those of the library's AlignOptions."""
    from gensim_merge.alignment import ALIGNERS, AlignOptions

    switch = argparse.BooleanOptionalAction

    def allowed(option):  # a flag cannot be None
        return AlignOptions.allowed(option).removeprefix("None or ")

    group = parser.add_argument_group("alignment options (defaults and ranges: gensim_merge.alignment.AlignOptions)")
    group.add_argument("--pairs", metavar="FILE", default=AlignOptions.anchors,
                       help="two-column file of (source word, target word) anchor pairs; default: the words "
                            "both models share, most frequent first")
    group.add_argument("--method", choices=sorted(ALIGNERS), default=AlignOptions.method,
                       help="orthogonal Procrustes (keeps the geometry) or a general linear map (default: "
                            "%(default)s)")
    group.add_argument("--ridge", type=float, default=AlignOptions.ridge, metavar="R",
                       help=f"regularisation of --method linear, {allowed('ridge')} (default: %(default)s)")
    # (no --no-center: merge leaves center unset unless --center is given, and applies its own centred fit)
    group.add_argument("--center", action="store_true", default=AlignOptions.center,
                       help="centre both spaces before fitting (default: %(default)s)")
    group.add_argument("--normalize", action=switch, default=AlignOptions.normalize,
                       help="fit on unit-length anchor vectors rather than the raw ones (default: %(default)s)")
    group.add_argument("--trim", action=switch, default=AlignOptions.trim,
                       help="robust refit dropping anchors used in a different sense (default: %(default)s)")
    group.add_argument("--trim-threshold", type=float, default=AlignOptions.trim_threshold, metavar="K",
                       help="drop anchors whose residual exceeds the median by K robust std devs, "
                            f"{allowed('trim_threshold')} (default: %(default)s)")
    group.add_argument("--n-anchors", type=int, default=AlignOptions.n_anchors, metavar="N",
                       help=f"use at most N shared words as anchors, most frequent first, {allowed('n_anchors')} "
                            "(default: %(default)s)")
    group.add_argument("--anchor-min-count", type=int, default=AlignOptions.anchor_min_count, metavar="N",
                       help="skip shared words seen fewer than N times in either corpus, "
                            f"{allowed('anchor_min_count')} (default: %(default)s)")
    group.add_argument("--heldout", type=float, default=AlignOptions.heldout, metavar="SHARE",
                       help=f"share of anchors held out to estimate quality, {allowed('heldout')} (default: "
                            "%(default)s)")
    group.add_argument("--skip-missing", action="store_true",
                       help="skip --pairs naming a word a model lacks (default: error)")
    group.add_argument("--seed", type=int, default=AlignOptions.seed, metavar="S",
                       help=f"seed of the held-out draw, {allowed('seed')} (default: %(default)s)")


def alignment_options(args):
    """The alignment flags as a dict of AlignOptions fields, checked before any work (errors name the flag)."""
    from gensim_merge.alignment import AlignOptions
    from gensim_merge.errors import OptionError

    values = {
        "anchors": args.pairs, "method": args.method, "ridge": args.ridge, "center": args.center,
        "normalize": args.normalize, "trim": args.trim, "trim_threshold": args.trim_threshold,
        "n_anchors": args.n_anchors, "anchor_min_count": args.anchor_min_count, "heldout": args.heldout,
        "on_missing": "skip" if args.skip_missing else "raise", "seed": args.seed,
    }
    try:
        return AlignOptions(**values).to_dict()
    except OptionError as err:
        if err.option not in ALIGNMENT_FLAGS or not err.allowed:
            raise
        raise type(err)(f"{ALIGNMENT_FLAGS[err.option]} must be {err.allowed.removeprefix('None or ')}, got "
                        f"{err.value}",
                        option=err.option, value=err.value, allowed=err.allowed) from None



def format_scores(scores):
    rows = [
        ("WordSim-353 rho", scores["wordsim353"], f"(pairs out of vocabulary: {scores['wordsim353_oov']:.0%})"),
        ("SimLex-999 rho", scores["simlex999"], f"(pairs out of vocabulary: {scores['simlex999_oov']:.0%})"),
        ("Google analogies accuracy", scores["analogies"],
         f"(questions asked: {scores['analogies_coverage']:.0%})"),
    ]
    width = max(len(name) for name, _, _ in rows)
    lines = ["Standard scores (gensim's bundled evaluation sets)"]
    lines += [f"  {name:<{width}}  {'n/a' if math.isnan(value) else f'{value:.3f}':>6}  {note}"
              for name, value, note in rows]
    return "\n".join(lines)


def source_names(paths, names):
    if names is not None:
        if len(names) != len(paths):
            raise ValueError(f"--names needs one name per model: {len(paths)} models, {len(names)} names")
        return list(names)
    stems = []
    for path in paths:
        stem = os.path.basename(path)
        while os.path.splitext(stem)[1]:
            stem = os.path.splitext(stem)[0]
        stems.append(stem or "model")
    if len(set(stems)) != len(stems):
        stems = [f"{stem}{i}" for i, stem in enumerate(stems)]
    return stems


def common_options():
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("output options")
    group.add_argument("-v", "--verbose", action="count", default=argparse.SUPPRESS,
                       help="log progress (-v: INFO, -vv: DEBUG); show the traceback of errors")
    group.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                       help="print results only: no messages, progress bars or warnings")
    group = common.add_argument_group("reading options")
    group.add_argument("--allow-pickle", action="store_true", default=argparse.SUPPRESS,
                       help="load gensim native files (.kv, .model: Python pickles, which run code stored in the "
                            "file when loaded; refused by default): only for files from sources you trust")
    group.add_argument("--encoding", default=argparse.SUPPRESS, metavar="CODEC",
                       help="encoding of the words in word2vec text/binary inputs (default utf8; e.g. latin-1)")
    group.add_argument("--unicode-errors", choices=("strict", "replace", "ignore"), default=argparse.SUPPRESS,
                       help="what to do with words not valid in --encoding: stop with an error (strict, the "
                            "default), replace the bad bytes with U+FFFD, or ignore them")
    return common


def read_options_of(args):
    """The reading options given on the command line (before or after the command name)."""
    import codecs

    encoding = getattr(args, "encoding", "utf8")
    try:
        codecs.lookup(encoding)
    except LookupError:
        from gensim_merge.errors import ModelFileError

        raise ModelFileError(f"--encoding {encoding!r} is not a codec Python knows; e.g. utf8, latin-1, "
                             "cp1252") from None
    return {"allow_pickle": bool(getattr(args, "allow_pickle", False)), "encoding": encoding,
            "unicode_errors": getattr(args, "unicode_errors", "strict")}
