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
    "Formats: inputs are detected from the file (gensim native .kv/.model — a pickle: load only files you "
    "trust —, word2vec text .txt/.vec, binary .bin, gzip, pickle-free .safetensors); outputs follow the "
    "extension: .kv/.model native, .txt/.vec text, .bin binary, .safetensors pickle-free (recommended), "
    "add .gz to compress."
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


def _load(path, role, console, *, mmap=None):
    from gensim_merge.io import _sniff, describe_format, load_vectors

    _, compressed, _ = _sniff(path)
    kv, fmt = load_vectors(path, mmap=mmap)
    console.say(f"loaded {role} {path} as {describe_format(fmt, compressed=compressed)}: {kv}")
    return kv


def _check_output(path, option="-o/--output"):
    """Fail early (before any work) on an output path whose format or directory is unusable."""
    from gensim_merge.io import format_for_path

    fmt, compressed = format_for_path(path)
    if fmt == "safetensors" and compressed:
        raise ValueError(f"{option} {path!r}: safetensors files are not compressed; drop the .gz")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"the directory of {option} {path!r} does not exist: {directory}")
    return fmt


def _save(kv, path, console):
    from gensim_merge.io import describe_format, format_for_path, save_vectors

    fmt = save_vectors(kv, path)
    console.say(f"saved {kv} to {path} as {describe_format(fmt, compressed=format_for_path(path)[1])}")


def _add_alignment_options(parser):
    group = parser.add_argument_group("alignment options")
    group.add_argument("--pairs", metavar="FILE",
                       help="two-column file of (source word, target word) anchor pairs; default: the words "
                            "both models share, most frequent first")
    group.add_argument("--method", choices=("orthogonal", "linear"), default="orthogonal",
                       help="orthogonal Procrustes (default; keeps the geometry) or a general linear map")
    group.add_argument("--ridge", type=float, default=0.0, help="regularisation of --method linear")
    group.add_argument("--center", action="store_true", help="centre both spaces before fitting")
    group.add_argument("--no-normalize", dest="normalize", action="store_false",
                       help="fit on the raw anchor vectors instead of unit-length ones")
    group.add_argument("--no-trim", dest="trim", action="store_false",
                       help="keep every anchor (no robust refit dropping words used in a different sense)")
    group.add_argument("--trim-threshold", type=float, default=3.0, metavar="K",
                       help="drop anchors whose residual exceeds the median by K robust std devs (default 3)")
    group.add_argument("--n-anchors", type=int, default=5000, metavar="N",
                       help="use at most N shared words as anchors, most frequent first (default 5000)")
    group.add_argument("--anchor-min-count", type=int, default=20, metavar="N",
                       help="skip shared words seen fewer than N times in either corpus (default 20)")
    group.add_argument("--heldout", type=float, default=0.1, metavar="SHARE",
                       help="share of anchors held out to estimate quality (default 0.1)")
    group.add_argument("--skip-missing", action="store_true",
                       help="skip --pairs naming a word a model lacks (default: error)")
    group.add_argument("--seed", type=int, default=0, help="seed of the held-out draw (default 0)")


def _alignment_options(args):
    return dict(
        anchors=args.pairs, method=args.method, ridge=args.ridge, center=args.center, normalize=args.normalize,
        trim=args.trim, trim_threshold=args.trim_threshold, n_anchors=args.n_anchors,
        anchor_min_count=args.anchor_min_count, heldout=args.heldout,
        on_missing="skip" if args.skip_missing else "raise", seed=args.seed,
    )


# --------------------------------------------------------------------------------------------------------
# commands


def _cmd_align(args, console):
    _check_output(args.output)
    source = _load(args.source, "source", console, mmap=args.mmap)
    target = _load(args.target, "target", console, mmap=args.mmap)
    start = time.perf_counter()
    alignment = source.alignment_to(target, **_alignment_options(args))
    console.say(f"mapping {len(source)} vectors into the target's space")
    aligned = source.apply_alignment(alignment)
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
    from gensim_merge.counts import counts_for
    from gensim_merge.keyedvectors import merge

    if len(args.models) < 2:
        raise ValueError(f"merge needs at least two models, got {len(args.models)}")
    counts_files = args.counts or ["-"] * len(args.models)
    if len(counts_files) != len(args.models):
        raise ValueError(f"--counts needs one vocabulary file per model, in the models' order ('-' for a model "
                         f"that keeps its own counts): {len(args.models)} models, {len(counts_files)} files")
    for path in counts_files:
        if path != "-" and not os.path.isfile(path):
            raise FileNotFoundError(f"--counts {path!r}: no such file")
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
    for kv, path, name in zip(models, counts_files, names):
        if path != "-":
            kv.expandos["count"] = counts_for(kv, path)  # our own freshly loaded model
            console.say(f"read the counts of model {name!r} from {path}")
    options = _alignment_options(args)
    if not args.center:
        del options["center"]  # the merge's own default applies: a centred fit applied without translation
    start = time.perf_counter()
    total = sum(len(kv) for kv in models)
    bar = console.progress(total=total, desc="merging", unit=" rows") if total > 100_000 else None
    try:
        merged = merge(models, reference=reference, names=names, strategy=args.strategy, align=args.align,
                       align_options=options, center_fit=False if args.raw_fit else None,
                       progress=None if bar is None else bar.update)
    finally:
        if bar is not None:
            bar.close()
    console.say(f"merged in {time.perf_counter() - start:.2f} s")
    console.out(str(merged.merge_report))
    _save(merged, args.output, console)
    return 0


#: Options of ``continue`` passed to continue_training when given (otherwise the library's defaults apply).
_CONTINUE_OPTIONS = ("epochs", "alpha", "min_alpha", "workers", "min_count_rule", "resort", "lock", "lock_power",
                     "drift_correction", "blend", "blend_every_epoch", "rehearsal", "warm_start_epochs")


def _cmd_continue(args, console):
    from gensim.models import Word2Vec

    from gensim_merge.continuation import continue_training
    from gensim_merge.io import describe_format, detect_format
    from gensim_merge.keyedvectors import MergeableKeyedVectors

    _check_output(args.output)
    if args.save_model:
        directory = os.path.dirname(os.path.abspath(args.save_model))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"the directory of --save-model {args.save_model!r} does not exist")
    model = None
    if detect_format(args.model) == "native":
        try:
            model = Word2Vec.load(args.model)
        except Exception:  # not a full model (gensim raises AttributeError for vectors); read as vectors below
            model = None
        if model is not None:
            console.say(f"loaded model {args.model} as {describe_format('native')}: full {type(model).__name__} "
                        f"model with {len(model.wv)} words")
    warm_options = {name: getattr(args, name) for name in ("window", "negative", "sg", "seed")
                    if getattr(args, name) is not None}
    if model is None:
        source = _load(args.model, "vectors (warm start: the output layer is learned afresh)", console)
        if args.min_count is not None:
            warm_options["min_count"] = args.min_count
        word2vec_kwargs = warm_options
        warm = True
    else:
        if warm_options:
            given = ", ".join("--" + k for k in warm_options)
            raise ValueError(f"{given} apply to a warm start from vectors only; "
                             f"{args.model} is a full model that keeps its own training parameters")
        if args.min_count is not None:
            model.min_count = args.min_count
        source, word2vec_kwargs, warm = model, None, False
    epochs = args.epochs if args.epochs is not None else (model.epochs if model is not None else 5)
    total = epochs + ((1 if args.warm_start_epochs is None else args.warm_start_epochs) if warm else 0)
    options = {name: getattr(args, name) for name in _CONTINUE_OPTIONS if getattr(args, name) is not None}
    with _TrainingProgress(console, total, "continue"):
        result = continue_training(source, args.corpus, word2vec_kwargs=word2vec_kwargs, inplace=model is not None,
                                   **options)
    console.out(str(result.report))
    _save(MergeableKeyedVectors.from_word2vec(result.model, copy=False), args.output, console)
    if args.save_model:
        from gensim_merge._io import atomic_output

        with atomic_output(args.save_model) as tmp:
            result.model.save(tmp)
        console.say(f"saved the full model (for further training) to {args.save_model} as gensim native")
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
    from gensim_merge.evaluation import closeness, standard_scores

    model = _load(args.model, "model", console, mmap=args.mmap)
    scores = standard_scores(model)
    report = None
    if args.reference:
        reference = _load(args.reference, "reference", console, mmap=args.mmap)
        report = closeness(model, reference, topn=args.topn, seed=args.seed)
    if args.json:
        payload = {"standard_scores": {k: (None if isinstance(v, float) and math.isnan(v) else v)
                                       for k, v in scores.items()}}
        if report is not None:
            payload["closeness"] = report.to_dict()
        console.out(json.dumps(payload, indent=2, sort_keys=True))
    else:
        console.out(_format_scores(scores))
        if report is not None:
            console.out(f"\nCloseness to the reference {args.reference}")
            console.out(str(report))
    return 0


def _cmd_report(args, console):
    from gensim_merge.alignment import Alignment
    from gensim_merge.report_html import (
        PNG_NAMES,
        _require_matplotlib,
        alignment_report_html,
    )

    _require_matplotlib()  # fail before loading anything when the optional dependency is missing
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
                          anchors=options["anchors"], anchor_min_count=options["anchor_min_count"])
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
    return common


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
    p.add_argument("--counts", nargs="+", metavar="FILE",
                   help="the models' real word counts: one gensim vocabulary file ('word count' per line, what "
                        "word2vec -save-vocab writes) per model, in the models' order, '-' to keep a model's own; "
                        "word2vec files carry no counts, and without them shared words are weighted by rank")
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
    group.add_argument("--lock", choices=("evidence", "none"),
                       help="per-word learning rate: in proportion to the new corpus's share of a word's "
                            "evidence (default), or the full rate for every word (gensim)")
    group.add_argument("--lock-power", type=float, metavar="P",
                       help="exponent applied to that share with --lock evidence (default 1)")
    group.add_argument("--no-resort", dest="resort", action="store_false", default=None,
                       help="leave new words at the end (gensim) instead of re-sorting by combined frequency")
    group.add_argument("--no-drift-correction", dest="drift_correction", action="store_false", default=None,
                       help="do not carry old words the new corpus never mentions along with the moving space")
    group.add_argument("--blend", type=float, metavar="B",
                       help="count-weighted blend of old vectors into shared words, 0-1 (default: the library's, "
                            "see continue_training)")
    group.add_argument("--blend-every-epoch", action="store_true", default=None,
                       help="apply the drift correction and blend after every epoch instead of once at the end")
    group.add_argument("--rehearsal", metavar="FILE", help="a sample of the old corpus to interleave")
    group = p.add_argument_group("warm start options (MODEL holds vectors only)")
    group.add_argument("--warm-start-epochs", type=int,
                       help="epochs spent learning the output layer first (default 1)")
    group.add_argument("--window", type=int, help="context window of the new model")
    group.add_argument("--negative", type=int, help="negative samples of the new model")
    group.add_argument("--sg", type=int, choices=(0, 1), help="1: skip-gram, 0: CBOW")
    group.add_argument("--seed", type=int, help="seed of the new model")

    p = add("evaluate", _cmd_evaluate, "Score a model on the standard benchmarks and, with --reference, "
                                       "measure how close it is to a reference model.",
            "gensim-merge evaluate merged.safetensors --reference joint.kv")
    p.add_argument("model", help="vectors to evaluate")
    p.add_argument("--reference", metavar="REF", help="e.g. a model trained jointly on all corpora")
    p.add_argument("--topn", type=int, default=10, help="neighbours compared per word (default 10)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling (default 0)")
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
