"""The ``gensim-merge`` command: align, merge, continue, evaluate and report without writing Python.

Run ``gensim-merge --help`` (or ``python -m gensim_merge --help``) for the commands, and
``gensim-merge COMMAND --help`` for each one's options and an example. Input formats are detected from the
files (gensim native, word2vec text or binary, gzip, safetensors); the output format follows the output
file's extension (see :mod:`gensim_merge.io`). Results go to standard output, messages (which format each
input was loaded as, where results were saved) and progress bars to standard error. Errors are one line
on standard error and a non-zero exit status; ``--verbose`` adds the traceback.

This is the only module of the package that configures logging or prints.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import math
import os
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Sequence

from gensim_merge import __version__
from gensim_merge.errors import GensimMergeError

__all__ = ["build_parser", "main"]

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
    from gensim_merge._files import refuse_pickle
    from gensim_merge.io import detect_format

    if detect_format(path) == "native" and not read_options(console)["allow_pickle"]:
        raise refuse_pickle(path)


def load(path, role, console, *, mmap=None):
    from gensim_merge.io import describe_file, load_vectors

    with LoadProgress(console, f"loading {os.path.basename(os.fspath(path))}"):
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


def file_kind(path):
    """"fasttext" or "word2vec": the kind of model in the file at `path`, read from its bytes (nothing is
    unpickled); None when the bytes do not tell (a missing or unreadable file: the loader will say why)."""
    from gensim_merge._files import is_fasttext_file
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


LOG_FORMAT = "%(asctime)s : %(levelname)s : %(name)s : %(message)s"
TRAINING_LOGGER = "gensim.models.word2vec"
#: The logger of the word2vec reader's progress records (see :class:`LoadProgress`).
LOAD_LOGGER = "gensim_merge._files"


class Console:
    """Where the command's lines go: results to stdout, messages to stderr (unless --quiet)."""

    def __init__(self, quiet, verbose=0):
        self.quiet, self.verbose = quiet, verbose
        self.read_options = {}  # how the command reads model files (--allow-pickle, --encoding, ...), set by main

    def say(self, message, *, logged=False):
        """Print a message; `logged`: the library logs the same at INFO, which -v already shows."""
        if not self.quiet and not (logged and self.verbose):
            print(message, file=sys.stderr, flush=True)

    def out(self, text):
        print(text, flush=True)

    def progress(self, **kwargs):
        from tqdm import tqdm

        return tqdm(disable=True if self.quiet else None, file=sys.stderr, **kwargs)


class TrainingProgress(logging.Handler):
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
        self._logger = logging.getLogger(TRAINING_LOGGER)
        self._old_level = self._logger.level
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self)
        return self

    def __exit__(self, *exc):
        self._logger.removeHandler(self)
        self._logger.setLevel(self._old_level)
        self.bar.close()


class LoadProgress(logging.Handler):
    """A progress bar fed by the word2vec reader's progress records ("loading NAME: i of n words ...").

    The reader logs one record every few seconds (a file that loads faster shows no bar); the command line
    turns them into a tqdm bar at the default verbosity. The records are passed on unchanged (they print at -v).
    """

    def __init__(self, console, desc):
        super().__init__(level=logging.INFO)
        self.console, self.desc, self.bar = console, desc, None

    def emit(self, record):
        if not (isinstance(record.msg, str) and record.msg.startswith("loading %s: %d of %d words")):
            return
        try:
            done, total = int(record.args[1]), int(record.args[2])
        except (IndexError, TypeError, ValueError):
            return
        if self.bar is None:
            self.bar = self.console.progress(total=total, desc=self.desc, unit=" words", unit_scale=True)
        self.bar.n = min(done, total)
        self.bar.refresh()

    def __enter__(self):
        self._logger = logging.getLogger(LOAD_LOGGER)
        self._old_level = self._logger.level
        if self._logger.getEffectiveLevel() > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self)
        return self

    def __exit__(self, exc_type, *exc):
        self._logger.removeHandler(self)
        self._logger.setLevel(self._old_level)
        if self.bar is not None:
            if exc_type is None:
                self.bar.n = self.bar.total
                self.bar.refresh()
            self.bar.close()


class OneLineFormatter(logging.Formatter):
    """Log records at the default verbosity: ``gensim-merge: warning: message``, one line, no source, the
    message's Python parameters spelled by `spell` (e.g. as flags)."""

    def __init__(self, spell=None):
        super().__init__()
        self.spell = spell or (lambda text: text)

    def format(self, record):
        return f"gensim-merge: {record.levelname.lower()}: {self.spell(' '.join(record.getMessage().split()))}"


def setup_logging(verbose, quiet, spell=None):
    """Log to standard error: one line per record at the default verbosity (spelled by `spell`), full with -v."""
    level = logging.ERROR if quiet else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format=LOG_FORMAT)
    formatter = logging.Formatter(LOG_FORMAT) if verbose else OneLineFormatter(spell)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stderr, sys.__stderr__):
            handler.setFormatter(formatter)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if handler.level == logging.NOTSET:
            # records of loggers switched to INFO for the progress bars must not print at the default level
            handler.setLevel(level)


def one_line(err):
    """The error's message on one line, without Python's type prefixes (``[Errno 2]``, quotes of a KeyError)."""
    if isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename else ""
        text = f"{where}{err.strerror[:1].lower()}{err.strerror[1:]}"
    elif isinstance(err, KeyError) and len(err.args) == 1 and isinstance(err.args[0], str):
        text = err.args[0]
    else:
        text = str(err).strip() or type(err).__name__
    return " ".join(text.split())


#: Python parameters the library's messages may name, as a user of the command line types them.
EXTRA_SPELLINGS = {"allow_pickle": "--allow-pickle", "unicode_errors": "--unicode-errors", "encoding": "--encoding"}
#: Advice of the library's messages that only Python can follow, and what the command line says instead
#: (regular expression, replacement; applied after the flags are spelled). Messages written for both audiences
#: say ``python (command line: flags)`` or ``(python; command line: flags)``: the command line keeps the flags.
PYTHON_ONLY_PHRASES = (
    (r"\(([^;()]*?); command line: ([^()]*)\)", r"(\2)"),
    (r"(--[\w-]+(?: [^\s()]+)?) \(command line: \1\)", r"\1"),  # "--allow-pickle (command line: --allow-pickle)"
    (r"[\w.]*load_word2vec_format\([^()]*\)(?:,? or | with )", ""),
    (r",? or pass fmt= one of \[[^\]]*\]", ""),
)


def command_parser(parser, command):
    """The sub-parser of `command` (None if `parser` has no such command)."""
    return next((action.choices[command] for action in parser._actions
                 if isinstance(action, argparse._SubParsersAction) and command in action.choices), None)


def flag_spellings(parser, command):
    """({python name: flag}, {"name=value": flag}) for `command`'s options, from the parser's own actions.

    Switches come from the actions: a ``store_true`` flag is ``name=True``, a ``store_false`` one
    ``name=False`` (``--no-align`` is ``align=False``), a ``--x/--no-x`` pair both.
    """
    sub = command_parser(parser, command)
    names, switches = dict(EXTRA_SPELLINGS), {"on_missing='skip'": "--skip-missing", "allow_pickle=True":
                                               "--allow-pickle"}
    for action in sub._actions if sub is not None else ():
        long_flags = [flag for flag in action.option_strings if flag.startswith("--")]
        if not long_flags:
            continue
        names.setdefault(action.dest, long_flags[0])
        if isinstance(action, argparse.BooleanOptionalAction):
            switches.setdefault(f"{action.dest}=True", long_flags[0])
            switches.setdefault(f"{action.dest}=False", next(f for f in long_flags if f.startswith("--no-")))
        elif isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
            switches.setdefault(f"{action.dest}={isinstance(action, argparse._StoreTrueAction)}", long_flags[0])
    names.update(ALIGNMENT_FLAGS)
    names["on_missing"] = "--skip-missing"
    return names, switches


def in_command_line_terms(text, parser, command):
    """`text` with the Python parameters it names (``anchor_min_count``, ``on_missing='skip'``) as flags.

    ``name='value'`` becomes ``--flag value``, ``name=None`` "leaving out --flag", a switch its flag; advice
    only Python can follow is rewritten by :data:`PYTHON_ONLY_PHRASES`.
    """
    names, switches = flag_spellings(parser, command)
    for spelled, flag in switches.items():
        text = text.replace(spelled, flag).replace(spelled.replace("'", '"'), flag)
    for name, flag in sorted(names.items(), key=lambda item: -len(item[0])):
        text = re.sub(rf"(?<![\w.-]){re.escape(name)}=None\b", f"leaving out {flag}", text)
        text = re.sub(rf"(?<![\w.-]){re.escape(name)}=(['\"])([^'\"\s]*)\1", rf"{flag} \2", text)
        text = re.sub(rf"(?<![\w.-]){re.escape(name)}=", f"{flag} ", text)
        if "_" in name:  # a bare multi-word name cannot be an ordinary word of the message
            text = re.sub(rf"(?<![\w.\-'\"]){re.escape(name)}(?![\w'\"])", flag, text)
    for pattern, replacement in PYTHON_ONLY_PHRASES:
        text = re.sub(pattern, replacement, text)
    return text


def warning_printer(spell=None):
    """A warnings.showwarning for the command line: one line, no source path, spelled by `spell`."""
    spell = spell or (lambda text: text)

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"gensim-merge: warning: {spell(one_line(message))}", file=sys.stderr, flush=True)

    return show_warning


def cmd_convert(args, console):
    from gensim_merge.io import detect_format

    check_output(args.output, "OUTPUT", kind=file_kind(args.input))
    mmap = "r" if detect_format(args.input) in ("safetensors", "native") else None  # no copy of big inputs
    vectors = load(args.input, "input", console, mmap=mmap)
    check_output(args.output, "OUTPUT", kind=model_kind(vectors))
    save(vectors, args.output, console)
    return 0


def cmd_align(args, console):
    options = alignment_options(args)
    check_output(args.output, kind=file_kind(args.source))  # the result is of the source's kind
    source = load(args.source, "source", console, mmap=args.mmap)
    check_output(args.output, kind=model_kind(source))
    target = load(args.target, "target", console, mmap=args.mmap)
    start = time.perf_counter()
    alignment = source.alignment_to(target, **options)
    console.say(f"mapping {len(source)} vectors into the target's space", logged=True)
    ngrams = getattr(source, "vectors_ngrams", None)  # a fastText model maps its words twice and its buckets
    rows = len(source) if ngrams is None else 2 * len(source) + len(ngrams)
    with _row_progress(console, rows, "mapping") as progress:
        aligned = source.apply_alignment(alignment, progress=progress)
    console.say(f"aligned in {time.perf_counter() - start:.2f} s")
    console.out(str(alignment.report))
    save(aligned, args.output, console)
    if args.save_alignment:
        alignment.save(args.save_alignment)
        console.say(f"saved the fitted map to {args.save_alignment}")
    return 0


def cmd_merge(args, console):
    from gensim_merge.counts import counts_for
    from gensim_merge.io import merge

    if len(args.models) < 2:
        raise ValueError(f"merge needs at least two models, got {len(args.models)}")
    options = alignment_options(args)  # checked before any file is read
    counts_files = args.counts or ["-"] * len(args.models)
    if len(counts_files) != len(args.models):
        raise ValueError(f"--counts needs one vocabulary file per model, in the models' order ('-' for a model "
                         f"that keeps its own counts): {len(args.models)} models, {len(counts_files)} files")
    for path in counts_files:
        if path != "-" and not os.path.isfile(path):
            raise FileNotFoundError(f"--counts {path!r}: no such file")
    kinds = {file_kind(path) for path in args.models}
    check_output(args.output, kind=kinds.pop() if len(kinds) == 1 else None)  # fastText only when all are
    names = source_names(args.models, args.names)
    reference = 0
    if args.reference is not None:
        if args.reference in names:
            reference = names.index(args.reference)
        elif args.reference in args.models:
            reference = args.models.index(args.reference)
        else:
            raise ValueError(f"--reference {args.reference!r} is neither one of the model names {names} nor one "
                             "of the model paths")
    models = [load(path, f"model {name!r}", console, mmap=args.mmap) for path, name in zip(args.models, names)]
    kinds = {model_kind(kv) for kv in models}
    check_output(args.output, kind=kinds.pop() if len(kinds) == 1 else None)
    for kv, path, name in zip(models, counts_files, names):
        if path != "-":
            kv.expandos["count"] = counts_for(kv, path)  # our own freshly loaded model
            console.say(f"read the counts of model {name!r} from {path}")
    if not args.center:
        del options["center"]  # the merge's own default applies: a centred fit applied without translation
    start = time.perf_counter()
    total = sum(len(kv) for kv in models)
    with _row_progress(console, total, "merging") as progress:
        merged = merge(models, reference=reference, names=names, strategy=args.strategy, align=args.align,
                       align_options=options, center_fit=False if args.raw_fit else None,
                       progress=progress, count_rule=args.count_rule)
    console.say(f"merged in {time.perf_counter() - start:.2f} s")
    console.out(str(merged.merge_report))
    save(merged, args.output, console)
    return 0


#: Options of ``continue`` passed to continue_training when given (otherwise the library's defaults apply).
CONTINUE_OPTIONS = ("epochs", "alpha", "min_alpha", "workers", "min_count", "min_count_rule", "resort", "rehearsal",
                    "warm_start_epochs", "members")


def cmd_continue(args, console):
    from gensim.models import Word2Vec

    from gensim_merge.continuation import check_corpus, check_options
    from gensim_merge.io import describe_format, detect_format

    options = {name: getattr(args, name) for name in CONTINUE_OPTIONS if getattr(args, name) is not None}
    warm_options = {name: getattr(args, name) for name in ("window", "negative", "sg", "seed")
                    if getattr(args, name) is not None}
    numeric = {k: v for k, v in options.items() if k not in ("resort", "rehearsal")}
    check_options(**numeric, word2vec_kwargs=warm_options, spell=lambda name: "--" + name.replace("_", "-"))
    kind = file_kind(args.model)
    if kind == "fasttext":
        _refuse_word2vec_only_flags(args)
    check_output(args.output, kind=kind)
    if args.save_model:
        directory = os.path.dirname(os.path.abspath(args.save_model))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"the directory of --save-model {args.save_model!r} does not exist")
    check_corpus(args.corpus, "corpus")  # its first bytes, before the model is read
    if args.rehearsal is not None:
        check_corpus(args.rehearsal, "rehearsal")
    model = None
    fmt = detect_format(args.model)
    if fmt == "fasttext-binary":
        model = _load_facebook_model(args.model)
    elif fmt == "native":
        require_pickle_allowed(args.model, console)
        try:
            model = Word2Vec.load(args.model)  # a FastText model too (a subclass)
        except Exception:  # noqa: BLE001  (not a full model: gensim raises AttributeError for vectors; read below)
            model = None
    if model is not None:
        console.say(f"loaded model {args.model} as {describe_format(fmt)}: full {type(model).__name__} "
                    f"model with {len(model.wv)} words")
        if model_kind(model) == "fasttext":
            _refuse_word2vec_only_flags(args)
            check_output(args.output, kind="fasttext")
            return _continue_fasttext(model, args, options, console)
    if model is None and kind == "fasttext":
        from gensim_merge.errors import IncompatibleModelError

        raise IncompatibleModelError(f"{args.model} holds fastText vectors alone, which cannot be trained further: "
                                     "give the full FastText model (FastText.save, or Facebook's .bin)")
    return _continue_word2vec(model, args, options, warm_options, console)


def cmd_ensemble(args, console):
    from gensim_merge.errors import OptionError
    from gensim_merge.keyedvectors import MergeableKeyedVectors

    options = alignment_options(args)  # checked before any file is read
    check_output(args.output, kind="word2vec")  # an ensemble holds whole-word vectors
    names = source_names(args.models, args.names)
    reference = 0
    if args.reference is not None:
        if args.reference not in names and args.reference not in args.models:
            raise OptionError(f"--reference {args.reference!r} is neither one of the model names {names} nor one "
                              "of the model paths", option="reference", value=args.reference)
        reference = names.index(args.reference) if args.reference in names else args.models.index(args.reference)
    models = [load(path, f"member {name!r}", console, mmap=args.mmap) for path, name in zip(args.models, names)]
    start = time.perf_counter()
    result = MergeableKeyedVectors.ensemble(models, reference=reference, names=names, align_options=options)
    console.say(f"ensemble built in {time.perf_counter() - start:.2f} s")
    event = result.lifecycle_events[-1]
    console.out(f"Ensemble of {len(names)} member(s) in the space of {names[reference]!r}: {len(result)} words "
                f"({event['weighting']}-weighted, count = {event['count_rule']} over the members); words with n "
                f"estimates: {result.estimates()}")
    save(result, args.output, console)
    return 0


def cmd_evaluate(args, console):
    from gensim_merge._validation import check_integer
    from gensim_merge.errors import OptionError
    from gensim_merge.evaluation import check_noise_floor, closeness, fidelity_ratio, standard_scores

    check_integer(args.topn, "--topn", low=1)
    check_integer(args.seed, "--seed", low=0)
    if args.floor and not args.reference:
        raise ValueError("--floor needs --reference: the noise floor is a second training of the reference, "
                         "measured against it")
    if args.floor and same_file(args.floor, args.reference):
        raise OptionError(f"--floor {args.floor!r} is the reference itself: the noise floor is a second training "
                          "of the reference (e.g. another seed); give that model", option="floor", value=args.floor)
    model = load(args.model, "model", console, mmap=args.mmap)
    scores = standard_scores(model)
    report = floor = None
    if args.reference:
        reference = load(args.reference, "reference", console, mmap=args.mmap)
        report = closeness(model, reference, topn=args.topn, seed=args.seed)
        if args.floor:
            second = load(args.floor, "noise floor (a second training of the reference)", console, mmap=args.mmap)
            check_noise_floor(second, reference, floor_name=f"--floor {args.floor}",
                              reference_name=f"--reference {args.reference}")
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
        console.out(format_scores(scores))
        if report is not None:
            console.out(f"\nCloseness to the reference {args.reference} ({report.n_shared} shared words, "
                        f"{report.coverage:.1%} of the reference's vocabulary)"
                        + (f"; noise floor: {args.floor} against the same reference" if floor is not None else ""))
            console.out(report.table(noise_floor=floor))
    return 0


def cmd_report(args, console):
    from gensim_merge.alignment import Alignment
    from gensim_merge.report_html import PNG_NAMES, alignment_report_html, require_matplotlib

    require_matplotlib()  # fail before loading anything when the optional dependency is missing
    if not args.output.lower().endswith((".html", ".htm")):
        raise ValueError(f"-o/--output {args.output!r} should end in .html (the report is one HTML file)")
    options = alignment_options(args)  # checked before any file is read
    source = load(args.source, "source", console, mmap=args.mmap)
    target = load(args.target, "target", console, mmap=args.mmap)
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


def cmd_demo(args, console):
    from gensim_merge.demo import run_demo

    run_demo(seed=args.seed, out=console.out, say=console.say, progress=console.progress)
    return 0


#: Flags of ``continue`` that a fastText model does not take (its continuation keeps its own min_count and
#: trains one model on the new corpus alone).
WORD2VEC_ONLY_FLAGS = ("min_count", "rehearsal", "warm_start_epochs", "window", "negative", "sg", "seed", "new_model",
                       "members")


FORMATS_EPILOG = (
    "Formats: inputs are detected from the file (gensim native .kv/.model — a pickle, refused unless "
    "--allow-pickle: load only files you trust —, word2vec text .txt/.vec, binary .bin, gzip, pickle-free "
    ".safetensors); outputs follow the extension: .kv/.model native, .txt/.vec text, .bin binary, .safetensors "
    "pickle-free (recommended; 'gensim-merge convert X.safetensors X.kv' goes back to plain gensim), add .gz "
    "to compress; fastText models are saved only in formats that keep their n-gram buckets (a refused name "
    "says which)."
)
#: The heading of each command's examples in its --help (a test runs every line below it as written).
EXAMPLES_HEADING = "Example:"


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``gensim-merge`` (one subcommand per job)."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="gensim-merge", parents=[common],
        description="Grow gensim word2vec models across corpora: align, merge and continue training, judged "
                    "against joint training.",
        epilog="Example: gensim-merge merge wiki.kv stackexchange.bin -o merged.safetensors --allow-pickle\n\n"
               + FORMATS_EPILOG + "\nRun 'gensim-merge COMMAND --help' for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name, func, help_, *examples):
        p = sub.add_parser(name, parents=[common], help=help_, description=help_,
                           epilog=EXAMPLES_HEADING + "".join(f"\n  {example}" for example in examples)
                           + f"\n\n{FORMATS_EPILOG}",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        p.set_defaults(func=func)
        return p

    p = add("align", cmd_align, "Map every word of SOURCE into TARGET's space and save the result.",
            "gensim-merge align new.bin old.kv -o new_in_old_space.safetensors --save-alignment map.npz --allow-pickle")
    p.add_argument("source", help="vectors to map")
    p.add_argument("target", help="vectors whose space (and scale) the result lives in")
    p.add_argument("-o", "--output", required=True, help="where to save the aligned vectors")
    p.add_argument("--save-alignment", metavar="FILE.npz", help="also save the fitted map (pickle-free .npz)")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")
    add_alignment_options(p)

    p = add("merge", cmd_merge, "Merge two or more models into one union-vocabulary model in the reference's "
                                 "space.",
            "gensim-merge merge tech.kv general.txt.gz -o merged.safetensors --names tech general --allow-pickle")
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
    p.add_argument("--counts", nargs="+", metavar="FILE",
                   help="the models' real word counts: one gensim vocabulary file ('word count' per line, what "
                        "word2vec -save-vocab writes) per model, in the models' order, '-' to keep a model's own; "
                        "word2vec files carry no counts, and without them shared words are weighted by rank")
    p.add_argument("--count-rule", choices=("sum", "max"), default="sum",
                   help="the merged count of a shared word: the sum (models of different corpora; default) or the "
                        "maximum (one model's counts already include another's corpus, e.g. a continued model and "
                        "its new corpus's own model)")
    add_alignment_options(p)

    p = add("continue", cmd_continue, "Continue training MODEL on the new CORPUS, staying close to joint "
                                       "training.",
            "gensim-merge continue old.model new_corpus.txt.gz -o continued.safetensors --save-model "
            "continued.model --epochs 5 --allow-pickle",
            "gensim-merge continue fasttext.model new_corpus.txt.gz -o continued_fasttext.model --allow-pickle")
    p.add_argument("model", help="a full Word2Vec or FastText model saved with model.save, or Facebook's fastText "
                                 ".bin (continued with its output layer), or word2vec vectors alone (a warm start "
                                 "that learns the output layer afresh)")
    p.add_argument("corpus", help="text file (or .gz), one whitespace-tokenised sentence per line")
    p.add_argument("-o", "--output", required=True, help="where to save the continued vectors (a fastText model's "
                                                          "in a format that keeps its n-gram buckets)")
    p.add_argument("--save-model", metavar="PATH", help="also save the full continued model (gensim native), "
                                                        "to continue it again later")
    group = p.add_argument_group("training options")
    group.add_argument("--epochs", type=int, help="passes over the new corpus (default: the model's own)")
    group.add_argument("--alpha", type=float, help="start learning rate (default: the model's own)")
    group.add_argument("--min-alpha", type=float, help="end learning rate (default: the model's own)")
    group.add_argument("--workers", type=int, help="training threads (default: the model's own; 1 is "
                                                   "reproducible)")
    group.add_argument("--min-count", type=int, help="keep new words seen at least this often (default: the "
                                                     "model's own; word2vec only)")
    group.add_argument("--min-count-rule", choices=("combined", "new"),
                       help="judge --min-count on old + new counts (default) or, as gensim does, new counts only")
    group.add_argument("--no-resort", dest="resort", action="store_false", default=None,
                       help="leave new words at the end (gensim) instead of re-sorting by combined frequency")
    group.add_argument("--rehearsal", metavar="FILE", help="a sample of the old corpus to interleave with the new "
                                                           "one (same text format as CORPUS; word2vec only)")
    group = p.add_argument_group("warm start options (MODEL holds vectors only)")
    group.add_argument("--warm-start-epochs", type=int,
                       help="epochs spent learning the output layer first, while the given vectors are held "
                            "(default 1)")
    group.add_argument("--window", type=int, help="context window of the new model")
    group.add_argument("--negative", type=int, help="negative samples of the new model")
    group.add_argument("--sg", type=int, choices=(0, 1), help="1: skip-gram, 0: CBOW")
    group.add_argument("--seed", type=int, help="seed of the new model (with a full MODEL: of the continuation; "
                                                "--members use SEED, SEED+1, ...)")
    group = p.add_argument_group("more estimates, word2vec only (the project README says what each gains)")
    group.add_argument("--new-model", metavar="PATH|train",
                       help="a model of CORPUS alone (vectors file; 'train': trained here with MODEL's parameters), "
                            "aligned onto the continued vectors and averaged in for the words only CORPUS knows")
    group.add_argument("--members", type=int, metavar="K",
                       help="continue K times with seeds SEED, SEED+1, ... and average the aligned results (K times "
                            "the time of one continuation; default 1)")

    p = add("ensemble", cmd_ensemble, "Average several models of the same corpus (e.g. seeds), each aligned onto "
                                       "the reference: steadier neighbours than any one of them.",
            "gensim-merge ensemble seed1.kv seed2.kv seed3.kv -o ensemble.safetensors --allow-pickle")
    p.add_argument("models", nargs="+", metavar="MODEL", help="vector files of one corpus")
    p.add_argument("-o", "--output", required=True, help="where to save the ensemble")
    p.add_argument("--reference", help="name or path of the model whose space the result lives in (default: "
                                       "the first)")
    p.add_argument("--names", nargs="+", metavar="NAME", help="one name per model, for provenance (default: "
                                                              "the file names)")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")
    add_alignment_options(p)

    p = add("evaluate", cmd_evaluate, "Score a model on the standard benchmarks and, with --reference, "
                                       "measure how close it is to a reference model.",
            "gensim-merge evaluate merged.safetensors --reference joint.kv --floor joint_seed2.kv --allow-pickle")
    p.add_argument("model", help="vectors to evaluate")
    p.add_argument("--reference", metavar="REF", help="e.g. a model trained jointly on all corpora")
    p.add_argument("--floor", metavar="REF2",
                   help="a second training of the reference (e.g. another seed; it must hold at least half of REF's "
                        "words): its closeness to REF is the noise floor, and each group's ratio to it is printed "
                        "(1.00: as close as retraining gets)")
    p.add_argument("--topn", type=int, default=10, help="neighbours compared per word, at least 1 (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling, at least 0 (default 0)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")

    p = add("report", cmd_report, "Write an HTML alignment report (charts embedded) for aligning SOURCE onto "
                                   "TARGET.",
            "gensim-merge report new.bin old.kv -o report.html --png charts/ --allow-pickle   # pip install "
            "\"gensim-merge[report]\"")
    p.add_argument("source", help="the vectors to align (in their own space)")
    p.add_argument("target", help="the vectors to align to")
    p.add_argument("-o", "--output", required=True, metavar="REPORT.html", help="the HTML file to write")
    p.add_argument("--png", metavar="DIR", help="also write the charts as PNG files into DIR")
    p.add_argument("--words", nargs="+", metavar="WORD",
                   help="words to show in the 2-D projection (default: the most shifted and a few frequent)")
    p.add_argument("--alignment", metavar="FILE.npz", help="use a map saved by 'align --save-alignment' "
                                                           "instead of fitting one")
    p.add_argument("--mmap", action="store_const", const="r", help="memory-map the inputs where possible")
    add_alignment_options(p)

    p = add("convert", cmd_convert, "Convert word vectors between formats: the output format follows OUTPUT's "
                                     "extension (.kv/.model gensim native, .txt/.vec word2vec text, .bin binary, "
                                     ".safetensors pickle-free; add .gz to compress).",
            "gensim-merge convert merged.safetensors merged.kv   # back to a file plain gensim loads")
    p.add_argument("input", help="vectors in any supported format (detected from the file)")
    p.add_argument("output", help="where to write them; its extension names the format")

    p = add("demo", cmd_demo, "The main job on data that ships with gensim: train on two halves of a corpus, "
                               "align, merge, continue, and compare each result with joint training.",
            "gensim-merge demo")
    p.add_argument("--seed", type=int, default=1, help="seed of the first model (default 1)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
    spell = functools.partial(in_command_line_terms, parser=parser, command=args.command)
    setup_logging(verbose, quiet, spell)
    console = Console(quiet, verbose)
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore")
        warnings.showwarning = warning_printer(spell)
        try:
            console.read_options = read_options_of(args)
            check_distinct_files(args, command_parser(parser, args.command))
            return args.func(args, console)
        except KeyboardInterrupt:
            print("gensim-merge: interrupted", file=sys.stderr)
            return 130
        except Exception as err:  # noqa: BLE001 -- the command line reports every failure as one line
            if verbose:
                traceback.print_exc()
            expected = isinstance(err, (GensimMergeError, OSError, ImportError, ValueError))
            hint = "" if expected or verbose else " (run with --verbose for the traceback)"
            kind = "" if expected else f"{type(err).__name__}: "
            message = spell(one_line(err))
            print(f"gensim-merge {args.command}: error: {kind}{message}{hint}", file=sys.stderr)
            return 1


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


def _refuse_word2vec_only_flags(args):
    from gensim_merge.errors import OptionError

    given = ["--" + name.replace("_", "-") for name in WORD2VEC_ONLY_FLAGS if getattr(args, name) is not None]
    if given:
        raise OptionError(f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} to word2vec models "
                          f"only; {args.model} is a fastText model, "
                          "continued with --epochs, --alpha, --min-alpha, --workers, --min-count-rule and --no-resort",
                          option=given[0].lstrip("-").replace("-", "_"))


def _load_facebook_model(path):
    """A full FastText model from Facebook's .bin (no pickle), its structure checked first."""
    from gensim.models.fasttext import load_facebook_model

    from gensim_merge._files import check_facebook_file

    check_facebook_file(path)  # the whole layout: both matrices, so a full model
    return load_facebook_model(path)


def _continue_fasttext(model, args, options, console):
    from gensim_merge.continuation import continue_fasttext
    from gensim_merge.fasttext import MergeableFastTextKeyedVectors

    fasttext_options = {k: v for k, v in options.items()
                        if k in ("epochs", "alpha", "min_alpha", "workers", "min_count_rule", "resort")}
    with TrainingProgress(console, args.epochs if args.epochs is not None else model.epochs, "continue"):
        continued, report = continue_fasttext(model, args.corpus, **fasttext_options)
    console.out(str(report))
    save(MergeableFastTextKeyedVectors.from_keyed_vectors(continued.wv, copy=False), args.output, console)
    _save_full_model(continued, args.save_model, console)
    return 0


def _continue_word2vec(model, args, options, warm_options, console):
    from gensim_merge.continuation import continue_training
    from gensim_merge.errors import OptionError
    from gensim_merge.keyedvectors import MergeableKeyedVectors

    if model is None:
        source = load(args.model, "vectors (warm start: the output layer is learned afresh)", console)
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
        options["new_model"] = "train" if args.new_model == "train" else load(args.new_model, "new corpus model",
                                                                                  console)
    epochs = args.epochs if args.epochs is not None else (model.epochs if model is not None else 5)
    total = epochs + ((1 if args.warm_start_epochs is None else args.warm_start_epochs) if warm else 0)
    total *= options.get("members", 1)
    with TrainingProgress(console, total, "continue"):
        result = continue_training(source, args.corpus, word2vec_kwargs=word2vec_kwargs,
                                   inplace=model is not None and options.get("members", 1) == 1, **options)
    console.out(str(result.report))
    vectors = MergeableKeyedVectors.from_word2vec(result.model, copy=False)
    if result.evidence is not None:
        vectors.expandos = {**vectors.expandos, "provenance": result.evidence.provenance,
                            "estimates": result.evidence.estimates}
        vectors.sources = list(result.evidence.sources)
    save(vectors, args.output, console)
    _save_full_model(result.model, args.save_model, console)
    return 0


def _save_full_model(model, path, console):
    """--save-model: the full model in gensim's native format (atomically), to continue it again later."""
    if not path:
        return
    from gensim_merge._files import atomic_output

    with atomic_output(path) as tmp:
        model.save(tmp)
    console.say(f"saved the full model (for further training) to {path} as gensim native")


@contextlib.contextmanager
def _row_progress(console, rows, desc):
    """A progress bar over `rows` rows when there are more than PROGRESS_MIN_WORDS; yields its update, or None."""
    if rows <= PROGRESS_MIN_WORDS:
        yield None
        return
    bar = console.progress(total=rows, desc=desc, unit=" rows", unit_scale=True)
    try:
        yield bar.update
    finally:
        bar.close()
