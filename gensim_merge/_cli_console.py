"""The command line's console: where messages, results, warnings and progress bars go, and how errors read.

Results go to standard output; messages, one-line warnings and progress bars to standard error. Library log
records print as ``gensim-merge: warning: ...`` at the default verbosity (full records with ``-v``), and an
error's Python parameters are spelled as the flags a user types. Only the command line configures logging.
"""

import argparse
import logging
import math
import re
import sys

from gensim_merge._cli_steps import ALIGNMENT_FLAGS

__all__ = ["LOG_FORMAT", "PYTHON_ONLY_PHRASES", "Console", "OneLineFormatter", "TrainingProgress", "command_parser",
           "in_command_line_terms", "one_line", "setup_logging", "warning_printer"]

LOG_FORMAT = "%(asctime)s : %(levelname)s : %(name)s : %(message)s"
TRAINING_LOGGER = "gensim.models.word2vec"


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
