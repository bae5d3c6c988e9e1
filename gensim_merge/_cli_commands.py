"""The commands of ``gensim-merge``, one function each: ``cmd_NAME(args, console) -> exit status``.

Each checks its options first (nothing is read or written before), then does its job through the library.
"""

import contextlib
import json
import math
import os
import time

from gensim_merge._cli_console import TrainingProgress
from gensim_merge._cli_steps import (
    PROGRESS_MIN_WORDS,
    alignment_options,
    check_output,
    file_kind,
    format_scores,
    load,
    model_kind,
    require_pickle_allowed,
    same_file,
    save,
    source_names,
)

__all__ = ["CONTINUE_OPTIONS", "cmd_align", "cmd_continue", "cmd_convert", "cmd_demo", "cmd_ensemble", "cmd_evaluate",
           "cmd_merge", "cmd_report"]


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
    from gensim_merge.keyedvectors import merge

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

    from gensim_merge._corpus import check_corpus
    from gensim_merge.continuation import check_options
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
    from gensim_merge.evaluation import closeness, fidelity_ratio, standard_scores
    from gensim_merge.fidelity import check_noise_floor

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

    from gensim_merge._fasttext_files import check_facebook_file

    check_facebook_file(path)  # the whole layout: both matrices, so a full model
    return load_facebook_model(path)


def _continue_fasttext(model, args, options, console):
    from gensim_merge.fasttext import MergeableFastTextKeyedVectors
    from gensim_merge.fasttext_continuation import continue_fasttext

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
    from gensim_merge._io import atomic_output

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
