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
import functools
import sys
import traceback
import warnings
from collections.abc import Sequence

from gensim_merge import __version__
from gensim_merge._cli_commands import (
    cmd_align,
    cmd_continue,
    cmd_convert,
    cmd_demo,
    cmd_ensemble,
    cmd_evaluate,
    cmd_merge,
    cmd_report,
)
from gensim_merge._cli_console import (
    Console,
    command_parser,
    in_command_line_terms,
    one_line,
    setup_logging,
    warning_printer,
)
from gensim_merge._cli_steps import add_alignment_options, check_distinct_files, common_options, read_options_of
from gensim_merge.errors import GensimMergeError

__all__ = ["build_parser", "main"]

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
