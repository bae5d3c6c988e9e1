"""The ``gensim-merge`` command: align, merge, continue, evaluate and report without writing Python.

Run ``gensim-merge --help`` (or ``python -m gensim_merge --help``) for the commands, and
``gensim-merge COMMAND --help`` for each one's options and an example. Input formats are detected from the
files (gensim native, word2vec text or binary, gzip, safetensors); the output format follows the output
file's extension (see :mod:`gensim_merge.io`). Results go to standard output, messages (which format each
input was loaded as, where results were saved) and progress bars to standard error. Errors are one line
on standard error and a non-zero exit status; ``--verbose`` adds the traceback.

This is the only module of the package that configures logging or prints.
"""

import argparse
import json
import logging
import math
import os
import sys
import time
import traceback

from gensim_merge import __version__
from gensim_merge.errors import GensimMergeError

__all__ = ["build_parser", "main"]

logger = logging.getLogger(__name__)

_LOG_FORMAT = "%(asctime)s : %(levelname)s : %(name)s : %(message)s"
_TRAINING_LOGGER = "gensim.models.word2vec"

_FORMATS_EPILOG = (
    "Formats: inputs are detected from the file (gensim native .kv/.model — a pickle, refused unless "
    "--allow-pickle: load only files you trust —, word2vec text .txt/.vec, binary .bin, gzip, pickle-free "
    ".safetensors); outputs follow the extension: .kv/.model native, .txt/.vec text, .bin binary, .safetensors "
    "pickle-free (recommended; 'gensim-merge convert X.safetensors X.kv' goes back to plain gensim), add .gz "
    "to compress."
)


# --------------------------------------------------------------------------------------------------------
# console helpers


class _Console:
    """Where the command's lines go: results to stdout, messages to stderr (unless --quiet)."""

    def __init__(self, quiet):
        self.quiet = quiet

    def say(self, message):
        if not self.quiet:
            print(message, file=sys.stderr, flush=True)

    def out(self, text):
        print(text, flush=True)

    def progress(self, **kwargs):
        from tqdm import tqdm

        return tqdm(disable=True if self.quiet else None, file=sys.stderr, **kwargs)


class _TrainingProgress(logging.Handler):
    """A progress bar fed by gensim's own training log records ("EPOCH n - PROGRESS: at x% ...").

    gensim reports training progress through logging, as the library should; the command line turns those
    records into a tqdm bar. The records are read here and passed on unchanged (they print only at -v).
    """

    def __init__(self, console, epochs, desc):
        super().__init__(level=logging.INFO)
        self.bar = console.progress(total=epochs, desc=desc, unit="epoch",
                                    bar_format="{l_bar}{bar}| {n:.1f}/{total} epochs [{elapsed}<{remaining}]")
        self.done = 0

    def emit(self, record):
        msg = record.msg if isinstance(record.msg, str) else ""
        try:
            if msg.startswith("EPOCH %i - PROGRESS"):
                self.bar.n = min(self.done + float(record.args[1]) / 100.0, self.bar.total or math.inf)
                self.bar.refresh()
            elif msg.startswith("EPOCH %i: training on"):
                self.done += 1
                self.bar.n = min(self.done, self.bar.total or math.inf)
                self.bar.refresh()
        except (IndexError, TypeError, ValueError):
            pass

    def __enter__(self):
        self._logger = logging.getLogger(_TRAINING_LOGGER)
        self._old_level = self._logger.level
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self._logger.removeHandler(self)
        self._logger.setLevel(self._old_level)
        self.bar.close()


def _setup_logging(verbose, quiet):
    level = logging.ERROR if quiet else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format=_LOG_FORMAT)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            # records of loggers switched to INFO for the progress bars must not print at the default level
            handler.setLevel(level)
    logging.captureWarnings(True)


def _one_line(err):
    text = str(err).strip() or type(err).__name__
    if isinstance(err, KeyError) and len(err.args) == 1 and isinstance(err.args[0], str):
        text = err.args[0]
    return " ".join(text.split())


# --------------------------------------------------------------------------------------------------------
# shared steps


def _read_options(console):
    """The reading options of the common flags (--allow-pickle, --encoding, --unicode-errors); main() puts
    them on the console that every command passes to :func:`_load`. Safe defaults without it."""
    return getattr(console, "read_options", None) or {"allow_pickle": False, "encoding": "utf8",
                                                       "unicode_errors": "strict"}


def _require_pickle_allowed(path, console):
    """Refuse `path` if it is a pickle (gensim native) and --allow-pickle was not given; before any unpickling.

    For commands that unpickle a file other than through :func:`_load` (``continue`` loads a full Word2Vec).
    """
    from gensim_merge._formats import refuse_pickle
    from gensim_merge.io import detect_format

    if detect_format(path) == "native" and not _read_options(console)["allow_pickle"]:
        raise refuse_pickle(path)


def _load(path, role, console, *, mmap=None):
    from gensim_merge.io import describe_file, load_vectors

    kv = load_vectors(path, mmap=mmap, **_read_options(console))
    console.say(f"loaded {role} {path} as {describe_file(path)}: {kv}")
    return kv


def _check_output(path, option="-o/--output"):
    """Fail early (before any work) on an output path whose format or directory is unusable."""
    from gensim_merge.errors import ModelFileError
    from gensim_merge.io import format_for_path

    fmt, compressed = format_for_path(path)
    if fmt == "safetensors" and compressed:
        raise ModelFileError(f"{option} {path!r}: safetensors files are not compressed; drop the .gz")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ModelFileError(f"the directory of {option} {path!r} does not exist: {directory}")
    return fmt


def _save(kv, path, console):
    from gensim_merge.io import describe_format, format_for_path, save_vectors

    fmt = save_vectors(kv, path)
    console.say(f"saved {kv} to {path} as {describe_format(fmt, compressed=format_for_path(path)[1])}")


#: The command-line flag of each alignment option (every field of AlignOptions has one; a test checks it).
_ALIGNMENT_FLAGS = {
    "anchors": "--pairs", "method": "--method", "center": "--center", "normalize": "--normalize",
    "ridge": "--ridge", "n_anchors": "--n-anchors", "anchor_min_count": "--anchor-min-count",
    "on_missing": "--skip-missing", "trim": "--trim", "trim_threshold": "--trim-threshold", "heldout": "--heldout",
    "seed": "--seed",
}
#: Above this many words, mapping a model shows a progress bar.
_PROGRESS_MIN_WORDS = 100_000


def _cmd_convert(args, console):
    _check_output(args.output)
    if os.path.abspath(args.input) == os.path.abspath(args.output):
        from gensim_merge.errors import ModelFileError

        raise ModelFileError(f"convert {args.input!r} onto itself: give another OUTPUT")
    from gensim_merge.io import detect_format

    mmap = "r" if detect_format(args.input) in ("safetensors", "native") else None  # no copy of big inputs
    _save(_load(args.input, "input", console, mmap=mmap), args.output, console)
    return 0


def _add_alignment_options(parser):
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


def _alignment_options(args):
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
        if err.option not in _ALIGNMENT_FLAGS or not err.allowed:
            raise
        raise type(err)(f"{_ALIGNMENT_FLAGS[err.option]} must be {err.allowed.removeprefix('None or ')}, got "
                        f"{err.value}",
                        option=err.option, value=err.value, allowed=err.allowed) from None


# --------------------------------------------------------------------------------------------------------
# commands


def _cmd_align(args, console):
    options = _alignment_options(args)
    _check_output(args.output)
    source = _load(args.source, "source", console, mmap=args.mmap)
    target = _load(args.target, "target", console, mmap=args.mmap)
    start = time.perf_counter()
    alignment = source.alignment_to(target, **options)
    console.say(f"mapping {len(source)} vectors into the target's space")
    bar = (console.progress(total=len(source), desc="mapping", unit=" words", unit_scale=True)
           if len(source) > _PROGRESS_MIN_WORDS else None)
    try:
        aligned = source.apply_alignment(alignment, progress=None if bar is None else bar.update)
    finally:
        if bar is not None:
            bar.close()
    console.say(f"aligned in {time.perf_counter() - start:.2f} s")
    console.out(str(alignment.report))
    _save(aligned, args.output, console)
    if args.save_alignment:
        alignment.save(args.save_alignment)
        console.say(f"saved the fitted map to {args.save_alignment}")
    return 0


def _source_names(paths, names):
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


def _cmd_merge(args, console):
    from gensim_merge.merging import merge

    if len(args.models) < 2:
        raise ValueError(f"merge needs at least two models, got {len(args.models)}")
    _check_output(args.output)
    names = _source_names(args.models, args.names)
    reference = 0
    if args.reference is not None:
        if args.reference in names:
            reference = names.index(args.reference)
        elif args.reference in args.models:
            reference = args.models.index(args.reference)
        else:
            raise ValueError(f"--reference {args.reference!r} is neither one of the model names {names} nor one "
                             "of the model paths")
    models = [_load(path, f"model {name!r}", console, mmap=args.mmap) for path, name in zip(args.models, names)]
    options = _alignment_options(args)
    if not args.center:
        del options["center"]  # the merge's own default applies: a centred fit applied without translation
    start = time.perf_counter()
    merged = merge(models, reference=reference, names=names, strategy=args.strategy, align=args.align,
                   align_options=options, center_fit=False if args.raw_fit else None)
    console.say(f"merged in {time.perf_counter() - start:.2f} s")
    console.out(str(merged.merge_report))
    _save(merged, args.output, console)
    return 0


#: Options of ``continue`` passed to continue_training when given (otherwise the library's defaults apply).
_CONTINUE_OPTIONS = ("epochs", "alpha", "min_alpha", "workers", "min_count", "min_count_rule", "resort", "rehearsal",
                     "warm_start_epochs", "members")


def _cmd_continue(args, console):
    from gensim.models import Word2Vec

    from gensim_merge.continuation import check_options, continue_training
    from gensim_merge.errors import OptionError
    from gensim_merge.io import describe_format, detect_format
    from gensim_merge.keyedvectors import MergeableKeyedVectors

    options = {name: getattr(args, name) for name in _CONTINUE_OPTIONS if getattr(args, name) is not None}
    warm_options = {name: getattr(args, name) for name in ("window", "negative", "sg", "seed")
                    if getattr(args, name) is not None}
    numeric = {k: v for k, v in options.items() if k not in ("resort", "rehearsal", "members")}
    check_options(**numeric, word2vec_kwargs=warm_options, spell=lambda name: "--" + name.replace("_", "-"))
    if args.members is not None and args.members < 1:
        raise OptionError(f"--members must be an integer >= 1, got {args.members}", option="members",
                          value=args.members, allowed=">= 1")
    _check_output(args.output)
    if args.save_model:
        directory = os.path.dirname(os.path.abspath(args.save_model))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"the directory of --save-model {args.save_model!r} does not exist")
    model = None
    if detect_format(args.model) == "native":
        _require_pickle_allowed(args.model, console)
        try:
            model = Word2Vec.load(args.model)
        except Exception:  # noqa: BLE001  (not a full model: gensim raises AttributeError for vectors; read below)
            model = None
        if model is not None:
            console.say(f"loaded model {args.model} as {describe_format('native')}: full {type(model).__name__} "
                        f"model with {len(model.wv)} words")
    if model is None:
        source = _load(args.model, "vectors (warm start: the output layer is learned afresh)", console)
        word2vec_kwargs, warm = warm_options, True
    else:
        given = [f"--{k}" for k in warm_options if k != "seed"]
        given += ["--warm-start-epochs"] * (args.warm_start_epochs is not None)
        if given:
            raise OptionError(f"{', '.join(given)} apply to a warm start from vectors only; "
                              f"{args.model} is a full model that keeps its own training parameters")
        source, word2vec_kwargs, warm = model, None, False
        if args.seed is not None:
            options["seed"] = args.seed  # a full model: the continuation's seed
    if args.new_model is not None:
        options["new_model"] = "train" if args.new_model == "train" else _load(args.new_model, "new corpus model",
                                                                                   console)
    epochs = args.epochs if args.epochs is not None else (model.epochs if model is not None else 5)
    total = epochs + ((1 if args.warm_start_epochs is None else args.warm_start_epochs) if warm else 0)
    total *= options.get("members", 1)
    with _TrainingProgress(console, total, "continue"):
        result = continue_training(source, args.corpus, word2vec_kwargs=word2vec_kwargs,
                                   inplace=model is not None and options.get("members", 1) == 1, **options)
    console.out(str(result.report))
    vectors = MergeableKeyedVectors.from_word2vec(result.model, copy=False)
    if result.evidence is not None:
        vectors.expandos = {**vectors.expandos, "provenance": result.evidence.provenance,
                            "estimates": result.evidence.estimates}
        vectors.sources = list(result.evidence.sources)
    _save(vectors, args.output, console)
    if args.save_model:
        from gensim_merge._io import atomic_output

        with atomic_output(args.save_model) as tmp:
            result.model.save(tmp)
        console.say(f"saved the full model (for further training) to {args.save_model} as gensim native")
    return 0


def _cmd_ensemble(args, console):
    from gensim_merge.keyedvectors import MergeableKeyedVectors

    _check_output(args.output)
    names = _source_names(args.models, args.names)
    reference = 0
    if args.reference is not None:
        if args.reference not in names and args.reference not in args.models:
            raise ValueError(f"--reference {args.reference!r} is neither one of the model names {names} nor one "
                             "of the model paths")
        reference = names.index(args.reference) if args.reference in names else args.models.index(args.reference)
    options = _alignment_options(args)
    models = [_load(path, f"member {name!r}", console, mmap=args.mmap) for path, name in zip(args.models, names)]
    start = time.perf_counter()
    result = MergeableKeyedVectors.ensemble(models, reference=reference, names=names, align_options=options)
    console.say(f"ensemble built in {time.perf_counter() - start:.2f} s")
    event = result.lifecycle_events[-1]
    console.out(f"Ensemble of {len(names)} member(s) in the space of {names[reference]!r}: {len(result)} words "
                f"({event['weighting']}-weighted, count = {event['count_rule']} over the members); words with n "
                f"estimates: {result.estimates()}")
    _save(result, args.output, console)
    return 0


def _format_scores(scores):
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


def _cmd_evaluate(args, console):
    from gensim_merge._validation import check_integer
    from gensim_merge.evaluation import closeness, fidelity_ratio, standard_scores

    check_integer(args.topn, "--topn", low=1)
    check_integer(args.seed, "--seed", low=0)
    if args.floor and not args.reference:
        raise ValueError("--floor needs --reference: the noise floor is a second training of the reference, "
                         "measured against it")
    model = _load(args.model, "model", console, mmap=args.mmap)
    scores = standard_scores(model)
    report = floor = None
    if args.reference:
        reference = _load(args.reference, "reference", console, mmap=args.mmap)
        report = closeness(model, reference, topn=args.topn, seed=args.seed)
        if args.floor:
            second = _load(args.floor, "noise floor (a second training of the reference)", console, mmap=args.mmap)
            floor = closeness(second, reference, topn=args.topn, seed=args.seed)
    if args.json:
        payload = {"standard_scores": {k: (None if isinstance(v, float) and math.isnan(v) else v)
                                       for k, v in scores.items()}}
        if report is not None:
            payload["closeness"] = report.to_dict()
        if floor is not None:
            payload["noise_floor"] = floor.to_dict()
            payload["ratio_to_floor"] = {k: (None if math.isnan(v) else v)
                                         for k, v in fidelity_ratio(report, floor).items()}
        console.out(json.dumps(payload, indent=2, sort_keys=True))
    else:
        console.out(_format_scores(scores))
        if report is not None:
            console.out(f"\nCloseness to the reference {args.reference} ({report.n_shared} shared words, "
                        f"{report.coverage:.1%} of the reference's vocabulary)"
                        + (f"; noise floor: {args.floor} against the same reference" if floor is not None else ""))
            console.out(report.table(noise_floor=floor))
    return 0


def _cmd_report(args, console):
    from gensim_merge.alignment import Alignment
    from gensim_merge.report_html import PNG_NAMES, alignment_report_html, require_matplotlib

    require_matplotlib()  # fail before loading anything when the optional dependency is missing
    if not args.output.lower().endswith((".html", ".htm")):
        raise ValueError(f"-o/--output {args.output!r} should end in .html (the report is one HTML file)")
    source = _load(args.source, "source", console, mmap=args.mmap)
    target = _load(args.target, "target", console, mmap=args.mmap)
    options = _alignment_options(args)
    if args.alignment:
        alignment = Alignment.load(args.alignment)
        console.say(f"using the map saved in {args.alignment}")
    else:
        alignment = source.alignment_to(target, **options)
    console.out(str(alignment.report))
    words = None
    if args.words:
        words = [w for item in args.words for w in item.split(",") if w]
    alignment_report_html(source, target, alignment, args.output, words=words, png_dir=args.png,
                          anchors=options["anchors"], anchor_min_count=options["anchor_min_count"],
                          source_name=os.path.basename(args.source), target_name=os.path.basename(args.target))
    console.say(f"wrote the report to {args.output}"
                + (f" and {', '.join(PNG_NAMES.values())} to {args.png}" if args.png else ""))
    return 0


def _cmd_demo(args, console):
    from gensim_merge.demo import run_demo

    run_demo(seed=args.seed, out=console.out, say=console.say, progress=console.progress)
    return 0


# --------------------------------------------------------------------------------------------------------
# the parser


def _common_options():
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


def _read_options_of(args):
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


def build_parser():
    """The argparse parser of ``gensim-merge`` (one subcommand per job)."""
    common = _common_options()
    parser = argparse.ArgumentParser(
        prog="gensim-merge", parents=[common],
        description="Grow gensim word2vec models across corpora: align, merge and continue training, judged "
                    "against joint training.",
        epilog="Example: gensim-merge merge wiki.kv stackexchange.bin -o merged.safetensors\n\n"
               + _FORMATS_EPILOG + "\nRun 'gensim-merge COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name, func, help_, example):
        p = sub.add_parser(name, parents=[common], help=help_, description=help_,
                           epilog=f"Example:\n  {example}\n\n{_FORMATS_EPILOG}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    p = add("align", _cmd_align, "Map every word of SOURCE into TARGET's space and save the result.",
            "gensim-merge align new.bin old.kv -o new_in_old_space.safetensors --save-alignment map.npz")
    p.add_argument("source", help="vectors to map")
    p.add_argument("target", help="vectors whose space (and scale) the result lives in")
    p.add_argument("-o", "--output", required=True, help="where to save the aligned vectors")
    p.add_argument("--save-alignment", metavar="FILE.npz", help="also save the fitted map (pickle-free .npz)")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")
    _add_alignment_options(p)

    p = add("merge", _cmd_merge, "Merge two or more models into one union-vocabulary model in the reference's "
                                 "space.",
            "gensim-merge merge tech.kv general.txt.gz -o merged.safetensors --names tech general")
    p.add_argument("models", nargs="+", metavar="MODEL", help="two or more vector files")
    p.add_argument("-o", "--output", required=True, help="where to save the merged vectors")
    p.add_argument("--reference", help="name or path of the model whose space the result lives in (default: "
                                       "the first)")
    p.add_argument("--strategy", choices=("count", "mean", "reference"), default="count",
                   help="how shared words are combined: weighted by their counts (default), equally, or the "
                        "reference's vector kept")
    p.add_argument("--names", nargs="+", metavar="NAME", help="one name per model, for provenance (default: "
                                                              "the file names)")
    p.add_argument("--no-align", dest="align", action="store_false",
                   help="the models already share one space (e.g. continued from one model): do not align")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")
    p.add_argument("--raw-fit", action="store_true",
                   help="fit each rotation on the raw anchors (default: on mean-centred anchors, applied without "
                        "the translation, which measured closer to joint training)")
    _add_alignment_options(p)

    p = add("continue", _cmd_continue, "Continue training MODEL on the new CORPUS, staying close to joint "
                                       "training.",
            "gensim-merge continue old.model new_corpus.txt.gz -o continued.safetensors --save-model "
            "continued.model --epochs 5")
    p.add_argument("model", help="a full Word2Vec model saved with model.save (continued with its output layer) "
                                 "or vectors alone (a warm start that learns the output layer afresh)")
    p.add_argument("corpus", help="text file (or .gz), one whitespace-tokenised sentence per line")
    p.add_argument("-o", "--output", required=True, help="where to save the continued vectors")
    p.add_argument("--save-model", metavar="PATH", help="also save the full continued model (gensim native), "
                                                        "to continue it again later")
    group = p.add_argument_group("training options")
    group.add_argument("--epochs", type=int, help="passes over the new corpus (default: the model's own)")
    group.add_argument("--alpha", type=float, help="start learning rate (default: the model's own)")
    group.add_argument("--min-alpha", type=float, help="end learning rate (default: the model's own)")
    group.add_argument("--workers", type=int, help="training threads (default: the model's own; 1 is "
                                                   "reproducible)")
    group.add_argument("--min-count", type=int, help="keep new words seen at least this often (default: the "
                                                     "model's own)")
    group.add_argument("--min-count-rule", choices=("combined", "new"),
                       help="judge --min-count on old + new counts (default) or, as gensim does, new counts only")
    group.add_argument("--no-resort", dest="resort", action="store_false", default=None,
                       help="leave new words at the end (gensim) instead of re-sorting by combined frequency")
    group.add_argument("--rehearsal", metavar="FILE", help="a sample of the old corpus to interleave with the new "
                                                           "one (same text format as CORPUS)")
    group = p.add_argument_group("warm start options (MODEL holds vectors only)")
    group.add_argument("--warm-start-epochs", type=int,
                       help="epochs spent learning the output layer first, while the given vectors are held "
                            "(default 1)")
    group.add_argument("--window", type=int, help="context window of the new model")
    group.add_argument("--negative", type=int, help="negative samples of the new model")
    group.add_argument("--sg", type=int, choices=(0, 1), help="1: skip-gram, 0: CBOW")
    group.add_argument("--seed", type=int, help="seed of the new model (with a full MODEL: of the continuation; "
                                                "--members use SEED, SEED+1, ...)")
    group = p.add_argument_group("more estimates (benchmarks/RESULTS.md says what each gains)")
    group.add_argument("--new-model", metavar="PATH|train",
                       help="a model of CORPUS alone (vectors file; 'train': trained here with MODEL's parameters), "
                            "aligned onto the continued vectors and averaged in for the words only CORPUS knows")
    group.add_argument("--members", type=int, metavar="K",
                       help="continue K times with seeds SEED, SEED+1, ... and average the aligned results (K times "
                            "the time of one continuation; default 1)")

    p = add("ensemble", _cmd_ensemble, "Average several models of the same corpus (e.g. seeds), each aligned onto "
                                       "the reference: steadier neighbours than any one of them.",
            "gensim-merge ensemble seed1.kv seed2.kv seed3.kv -o ensemble.safetensors")
    p.add_argument("models", nargs="+", metavar="MODEL", help="vector files of one corpus")
    p.add_argument("-o", "--output", required=True, help="where to save the ensemble")
    p.add_argument("--reference", help="name or path of the model whose space the result lives in (default: "
                                       "the first)")
    p.add_argument("--names", nargs="+", metavar="NAME", help="one name per model, for provenance (default: "
                                                              "the file names)")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")
    _add_alignment_options(p)

    p = add("evaluate", _cmd_evaluate, "Score a model on the standard benchmarks and, with --reference, "
                                       "measure how close it is to a reference model.",
            "gensim-merge evaluate merged.safetensors --reference joint.kv --floor joint_seed2.kv")
    p.add_argument("model", help="vectors to evaluate")
    p.add_argument("--reference", metavar="REF", help="e.g. a model trained jointly on all corpora")
    p.add_argument("--floor", metavar="REF2",
                   help="a second training of the reference (e.g. another seed): its closeness to REF is the "
                        "noise floor, and each group's ratio to it is printed (1.00: as close as retraining gets)")
    p.add_argument("--topn", type=int, default=10, help="neighbours compared per word, at least 1 (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling, at least 0 (default 0)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")

    p = add("report", _cmd_report, "Write an HTML alignment report (charts embedded) for aligning SOURCE onto "
                                   "TARGET.",
            "gensim-merge report new.bin old.kv -o report.html --png charts/")
    p.add_argument("source", help="the vectors to align (in their own space)")
    p.add_argument("target", help="the vectors to align to")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the HTML file to write")
    p.add_argument("--png", metavar="DIR", help="also write the charts as PNG files into DIR")
    p.add_argument("--words", nargs="+", metavar="WORD",
                   help="words to show in the 2-D projection (default: the most shifted and a few frequent)")
    p.add_argument("--alignment", metavar="FILE.npz", help="use a map saved by 'align --save-alignment' "
                                                           "instead of fitting one")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")
    _add_alignment_options(p)

    p = add("convert", _cmd_convert, "Convert word vectors between formats: the output format follows OUTPUT's "
                                     "extension (.kv/.model gensim native, .txt/.vec word2vec text, .bin binary, "
                                     ".safetensors pickle-free; add .gz to compress).",
            "gensim-merge convert merged.safetensors merged.kv   # back to a file plain gensim loads")
    p.add_argument("input", help="vectors in any supported format (detected from the file)")
    p.add_argument("output", help="where to write them; its extension names the format")

    p = add("demo", _cmd_demo, "The main job on data that ships with gensim: train on two halves of a corpus, "
                               "align, merge, continue, and compare each result with joint training.",
            "gensim-merge demo")
    p.add_argument("--seed", type=int, default=1, help="seed of the first model (default 1)")
    return parser


def main(argv=None):
    """Run the ``gensim-merge`` command; return its exit status (0 on success).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", 0) or 0
    quiet = bool(getattr(args, "quiet", False)) and not verbose
    _setup_logging(verbose, quiet)
    console = _Console(quiet)
    try:
        console.read_options = _read_options_of(args)
        return args.func(args, console)
    except KeyboardInterrupt:
        print("gensim-merge: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # the command line reports every failure as one line
        if verbose:
            traceback.print_exc()
        hint = "" if isinstance(err, (GensimMergeError, OSError, ImportError, ValueError)) or verbose \
            else " (run with --verbose for the traceback)"
        kind = "" if isinstance(err, GensimMergeError) else f"{type(err).__name__}: "
        print(f"gensim-merge {args.command}: error: {kind}{_one_line(err)}{hint}", file=sys.stderr)
        return 1
