"""Fidelity to joint training: how close do combined models get to one model trained on everything?

Trains Word2Vec on corpus A, on corpus B, jointly on A+B (the reference: A and B lines interleaved in
proportion, deterministically) and jointly again with another seed (the *noise floor*: how close two
joint trainings get to each other), all with the same parameters. Then every registered candidate
builds a model from those (and the corpora) and is scored against the joint model with
:func:`gensim_merge.evaluation.closeness` over the words of the joint vocabulary, per word group:

- ``A-only``: in A's model but not B's; ``B-only``: the reverse; ``shared``: in both; ``overall``: a
  sample of every word the candidate shares with the joint model.

``nn10`` is the mean share of a word's 10 nearest neighbours that the candidate has in common with the
joint model; ``ratio`` divides it by the noise floor's, group by group; ``ρ`` is the Spearman
correlation of the cosines of random word pairs. The standard scores (WS353, SimLex, analogies) are
reported too, but they measure agreement with human judgements, not closeness to the joint model.

Trained models are cached as full Word2Vec models under ``benchmarks/.cache/models/`` (one directory
per model, keyed by corpus paths, sizes and parameters), so re-runs and other scripts reuse them; see
:func:`load_or_train_models` and :func:`continuation_setup`.

Modes
-----
(default)   corpus A = tech.txt.gz, corpus B = general.txt.gz (different domains)
--halves    even and odd lines of general.txt.gz (the same distribution)
--quick     even and odd lines of gensim's bundled lee_background.cor, small parameters (~1 minute)

Usage (from the repository root)::

    python -m benchmarks.fidelity --quick
    python -m benchmarks.fidelity --output benchmarks/.cache/domains.md
    python -m benchmarks.fidelity --halves --only noise-floor,continued-plain

Adding a candidate (e.g. in another script that imports this one)::

    @fidelity.register("my-merge", label="my merge", uses=("a", "b"))
    def my_merge(context):
        return some_keyed_vectors_built_from(context.models["a"], context.models["b"])
"""

import argparse
import contextlib
import copy
import dataclasses
import gzip
import hashlib
import json
import logging
import math
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

import gensim
import numpy as np
from gensim.models import KeyedVectors, Word2Vec
from gensim.models.translation_matrix import Space, TranslationMatrix
from gensim.test.utils import datapath
from gensim.utils import simple_preprocess
from scipy.linalg import orthogonal_procrustes

from gensim_merge import MergeableKeyedVectors
from gensim_merge.evaluation import closeness, fidelity_ratio, standard_scores

logger = logging.getLogger("fidelity")

HERE = Path(__file__).resolve().parent
DEFAULT_CACHE = HERE / ".cache"
GROUPS = ("A-only", "B-only", "shared", "overall")
ROLES = ("a", "b", "joint", "floor")
INTERLEAVE = "proportional-v1"  # part of the cache key of joint models: bump it if the interleaving changes


#: The folder holding tech.txt.gz and general.txt.gz: $GENSIM_MERGE_CORPORA, else benchmarks/corpora/
#: (where ``python -m benchmarks.corpora.build_corpora`` writes them). ``--corpus-a``/``--corpus-b`` override it.
CORPORA_ENV = "GENSIM_MERGE_CORPORA"


def _corpora_dir():
    return Path(os.environ.get(CORPORA_ENV) or HERE / "corpora")


_FULL = {"vector_size": 100, "window": 5, "epochs": 5, "min_count": 5, "sg": 0, "negative": 5, "workers": 2}
MODE_DEFAULTS = {
    "domains": _FULL,
    "halves": _FULL,
    "quick": {**_FULL, "vector_size": 50, "epochs": 10, "min_count": 3},
}


# ------------------------------------------------------------------------------------------------------
# corpora


class LineCorpus:
    """Restartable iterable of token lists, one per line of a text file (gzip or plain).

    Parameters
    ----------
    path : str or Path
        The file; gzip is recognised by its magic bytes.
    part : {None, "even", "odd"}
        Keep every line (None), or only lines 0, 2, 4, ... ("even") or 1, 3, 5, ... ("odd").
    preprocess : bool
        Tokenise with gensim.utils.simple_preprocess instead of splitting on whitespace (for raw text
        such as gensim's bundled corpora).
    in_memory : bool
        Keep the token lists after the first pass (for small corpora read many times).
    """

    def __init__(self, path, *, part=None, preprocess=False, in_memory=False):
        if part not in (None, "even", "odd"):
            raise ValueError(f"part must be None, 'even' or 'odd', got {part!r}")
        self.path, self.part, self.preprocess = Path(path), part, preprocess
        self.in_memory, self._lines = in_memory, None

    def _open(self):
        with open(self.path, "rb") as probe:
            gzipped = probe.read(2) == b"\x1f\x8b"
        if gzipped:
            return gzip.open(self.path, "rt", encoding="utf8")
        return open(self.path, encoding="utf8")

    def __iter__(self):
        if self._lines is not None:
            yield from self._lines
            return
        if self.in_memory:
            self._lines = list(self._read())
            yield from self._lines
        else:
            yield from self._read()

    def _read(self):
        keep = {None: None, "even": 0, "odd": 1}[self.part]
        with self._open() as lines:
            for number, line in enumerate(lines):
                if keep is not None and number % 2 != keep:
                    continue
                tokens = simple_preprocess(line) if self.preprocess else line.split()
                if tokens:
                    yield tokens

    def describe(self):
        """JSON-safe identity of the corpus (part of the cache keys)."""
        path = self.path.resolve()
        return {"path": str(path), "bytes": path.stat().st_size, "part": self.part,
                "preprocess": self.preprocess}

    def __repr__(self):
        part = f", part={self.part!r}" if self.part else ""
        return f"LineCorpus({str(self.path)!r}{part})"


class InterleavedCorpus:
    """Restartable iterable over the lines of two corpora, interleaved in proportion to their sizes.

    After every line emitted, the share of lines taken from `first` stays within one line of
    ``n_first / (n_first + n_second)``, so both corpora are spread evenly over the whole pass (and
    over every training epoch), as if the two had been shuffled together, but deterministically.
    """

    def __init__(self, first, second, n_first, n_second):
        self.first, self.second, self.n_first, self.n_second = first, second, n_first, n_second

    def __iter__(self):
        first, second = iter(self.first), iter(self.second)
        taken_first = taken_second = 0
        first_left = second_left = True
        while first_left or second_left:
            # take from `first` while it is behind its share: taken_first / n_first <= taken_second / n_second
            use_first = first_left and (not second_left
                                        or taken_first * self.n_second <= taken_second * self.n_first)
            source = first if use_first else second
            line = next(source, None)
            if line is None:
                if use_first:
                    first_left = False
                else:
                    second_left = False
                continue
            if use_first:
                taken_first += 1
            else:
                taken_second += 1
            yield line


def count_lines(corpus, cache_dir):
    """Number of (non-empty) lines of a LineCorpus, cached on disk by its identity."""
    identity = corpus.describe()
    key = hashlib.sha1(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    path = Path(cache_dir) / "linecounts" / f"{key}.json"
    if path.exists():
        return json.loads(path.read_text())["lines"]
    n = sum(1 for _ in corpus)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"corpus": identity, "lines": n}))
    return n


# ------------------------------------------------------------------------------------------------------
# arguments, corpora and parameters of a run


def build_parser():
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--halves", dest="mode", action="store_const", const="halves",
                      help="A and B = even and odd lines of general.txt.gz")
    mode.add_argument("--quick", dest="mode", action="store_const", const="quick",
                      help="A and B = halves of gensim's lee_background.cor, small parameters")
    parser.set_defaults(mode="domains")
    parser.add_argument("--corpus-a", help="corpus A (default: tech.txt.gz of the shared corpora)")
    parser.add_argument("--corpus-b", help="corpus B (default: general.txt.gz of the shared corpora)")
    w2v = parser.add_argument_group("Word2Vec parameters (defaults depend on the mode)")
    for name, kind in (("vector-size", int), ("window", int), ("epochs", int), ("min-count", int),
                       ("sg", int), ("negative", int), ("workers", int)):
        w2v.add_argument(f"--{name}", type=kind)
    w2v.add_argument("--seed", type=int, default=1, help="seed of A, B and the joint model (default 1)")
    w2v.add_argument("--floor-seed", type=int, default=2, help="seed of the noise floor (default 2)")
    ev = parser.add_argument_group("evaluation")
    ev.add_argument("--topn", type=int, default=10)
    ev.add_argument("--max-words", type=int, default=2000, help="words sampled per group (default 2000)")
    ev.add_argument("--n-pairs", type=int, default=20000, help="word pairs per group for rho")
    ev.add_argument("--anchors", type=int, default=5000,
                    help="most frequent shared words used to fit the alignment baselines (default 5000)")
    ev.add_argument("--no-standard", dest="standard", action="store_false",
                    help="skip WS353 / SimLex / analogies")
    parser.add_argument("--only", help="comma-separated candidate names to run (default: all); "
                                       f"known: {', '.join(CANDIDATES)}")
    parser.add_argument("--cache-dir", default=str(DEFAULT_CACHE))
    parser.add_argument("--output", help="also write the table, parameters and command to this markdown file")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    parser.add_argument("--from-json", help="render the tables of a JSON file written by --json, run nothing")
    parser.add_argument("--verbose", action="store_true", help="show gensim's own progress logging")
    return parser


def parse_args(argv=None):
    """Parse the command line (or a list, e.g. ``parse_args(["--halves"])`` from another script)."""
    return build_parser().parse_args(argv)


def word2vec_params(args, *, seed=None):
    """Word2Vec keyword arguments of a run (no corpus): ``Word2Vec(**params)`` gives an untrained model."""
    params = dict(MODE_DEFAULTS[args.mode])
    for name in params:
        value = getattr(args, name, None)
        if value is not None:
            params[name] = value
    params.update(hs=0, seed=args.seed if seed is None else seed)
    return params


def corpora(args):
    """The two corpora (restartable LineCorpus) of a run."""
    if args.mode == "quick":
        path = datapath("lee_background.cor")
        return tuple(LineCorpus(path, part=part, preprocess=True, in_memory=True) for part in ("even", "odd"))
    if args.mode == "halves":
        path = args.corpus_b or _corpora_dir() / "general.txt.gz"
        return LineCorpus(path, part="even"), LineCorpus(path, part="odd")
    return (LineCorpus(args.corpus_a or _corpora_dir() / "tech.txt.gz"),
            LineCorpus(args.corpus_b or _corpora_dir() / "general.txt.gz"))


# ------------------------------------------------------------------------------------------------------
# training and the model cache


def _model_spec(role, args):
    corpus_a, corpus_b = corpora(args)
    seed = args.floor_seed if role == "floor" else args.seed
    params = word2vec_params(args, seed=seed)
    if role == "a":
        sources = [corpus_a.describe()]
    elif role == "b":
        sources = [corpus_b.describe()]
    else:
        sources = [corpus_a.describe(), corpus_b.describe(), INTERLEAVE]
    kind = "a" if role == "a" else "b" if role == "b" else "joint"
    spec = {"kind": kind, "sources": sources, "params": params, "gensim": gensim.__version__}
    key = hashlib.sha1(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:16]
    return spec, key


def model_dir(role, args):
    """Cache directory of one model: <cache>/models/<role>-<key>/ holding ``model`` and ``meta.json``."""
    _, key = _model_spec(role, args)
    return Path(args.cache_dir) / "models" / f"{role}-{key}"


def training_corpus(role, args):
    """The restartable corpus a role is trained on."""
    corpus_a, corpus_b = corpora(args)
    if role == "a":
        return corpus_a
    if role == "b":
        return corpus_b
    return InterleavedCorpus(corpus_a, corpus_b, count_lines(corpus_a, args.cache_dir),
                             count_lines(corpus_b, args.cache_dir))


def train_word2vec(corpus, params):
    """Build the vocabulary and train; returns the full model."""
    model = Word2Vec(**params)
    model.build_vocab(corpus)
    model.train(corpus, total_examples=model.corpus_count, epochs=model.epochs)
    return model


@contextlib.contextmanager
def _lock(path):
    """Exclusive lock on a file, so two processes never train the same model at once."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_or_train(role, args):
    """Load one model ('a', 'b', 'joint' or 'floor') from the cache, training and caching it if needed.

    Returns
    -------
    (Word2Vec, dict)
        The full model and its metadata (``train_seconds``, the spec, vocabulary size, ...).
    """
    spec, key = _model_spec(role, args)
    directory = model_dir(role, args)
    with _lock(directory.with_suffix(".lock")):
        if (directory / "meta.json").exists():
            meta = json.loads((directory / "meta.json").read_text())
            logger.info("loading cached %s model from %s (trained in %.0f s)", role, directory,
                        meta["train_seconds"])
            return Word2Vec.load(str(directory / "model")), meta
        logger.info("training the %s model (%s), cache %s", role, spec["params"], directory)
        start = time.perf_counter()
        model = train_word2vec(training_corpus(role, args), spec["params"])
        seconds = time.perf_counter() - start
        meta = {"role": role, "key": key, **spec, "train_seconds": seconds, "vocabulary": len(model.wv),
                "corpus_lines": model.corpus_count, "corpus_words": model.corpus_total_words,
                "created": time.strftime("%Y-%m-%d %H:%M:%S")}
        staging = Path(tempfile.mkdtemp(prefix=f".{role}-", dir=directory.parent))
        try:
            model.save(str(staging / "model"))
            (staging / "meta.json").write_text(json.dumps(meta, indent=1))
            os.replace(staging, directory)  # atomic: a half-written model is never seen as cached
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        logger.info("trained the %s model in %.0f s: %d words from %d lines", role, seconds, len(model.wv),
                    model.corpus_count)
        return model, meta


def load_or_train_models(args, roles=ROLES):
    """Load (or train and cache, one at a time) the models of a run.

    Parameters
    ----------
    args : argparse.Namespace
        From :func:`parse_args`.
    roles : iterable of {"a", "b", "joint", "floor"}

    Returns
    -------
    (dict of str to Word2Vec, dict of str to dict)
        Models and their metadata, by role.
    """
    models, metas = {}, {}
    for role in roles:
        models[role], metas[role] = load_or_train(role, args)
    return models, metas


# ------------------------------------------------------------------------------------------------------
# candidates


@dataclasses.dataclass
class Context:
    """What a candidate may use to build its model.

    Attributes
    ----------
    models : dict of str to Word2Vec
        The trained full models by role ("a", "b", "joint", "floor"); do not modify them (use
        :meth:`fresh_model` for a copy to train further).
    corpus_a, corpus_b : LineCorpus
        Restartable iterables of token lists; ``path`` gives the file.
    params : dict
        Word2Vec keyword arguments shared by all models (seed of A, B and joint).
    train_seconds : dict of str to float
        Training time of each model (from its cache metadata).
    args : argparse.Namespace
        The whole command line.
    """

    models: dict
    corpus_a: LineCorpus
    corpus_b: LineCorpus
    params: dict
    train_seconds: dict
    args: argparse.Namespace

    def fresh_model(self, role):
        """An independent copy of a full model, safe to train further."""
        return copy.deepcopy(self.models[role])


@dataclasses.dataclass(frozen=True)
class Candidate:
    name: str
    label: str
    uses: tuple
    build: object


CANDIDATES = {}


def register(name, *, label=None, uses=("a", "b")):
    """Decorator adding a candidate ``function(context) -> KeyedVectors`` to the registry.

    `uses` names the trained models the candidate starts from: their training time is reported as
    its "train s"; the wall time of the function itself is its "combine s".
    """
    unknown = [role for role in uses if role not in ROLES]
    if unknown:
        raise ValueError(f"uses must name roles among {ROLES}, got {unknown}")

    def decorator(function):
        if name in CANDIDATES:
            raise ValueError(f"a candidate named {name!r} is already registered")
        CANDIDATES[name] = Candidate(name, label or name, tuple(uses), function)
        return function

    return decorator


def _counts(wv):
    return np.asarray(wv.expandos["count"], dtype=np.int64)


def _unit(vectors):
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def frequent_shared(a_wv, b_wv, n):
    """The `n` shared words with the highest combined count, most frequent first."""
    b_rows = np.fromiter((b_wv.key_to_index.get(k, -1) for k in a_wv.index_to_key), np.intp, len(a_wv))
    a_rows = np.flatnonzero(b_rows >= 0)
    b_rows = b_rows[a_rows]
    total = _counts(a_wv)[a_rows] + _counts(b_wv)[b_rows]
    top = np.argsort(-total, kind="stable")[:n]
    return [a_wv.index_to_key[i] for i in a_rows[top]]


def union(a_wv, a_vectors, b_wv, b_vectors, combine_shared):
    """KeyedVectors over A's and B's keys, sorted by combined count (counts summed for shared words).

    A-only words take `a_vectors`, B-only words `b_vectors` (rows as in each model);
    ``combine_shared(a_rows, b_rows, a_counts, b_counts)`` gives the vectors of shared words.
    """
    a_counts, b_counts = _counts(a_wv), _counts(b_wv)
    b_in_a = np.fromiter((a_wv.key_to_index.get(k, -1) for k in b_wv.index_to_key), np.intp, len(b_wv))
    shared, only_b = np.flatnonzero(b_in_a >= 0), np.flatnonzero(b_in_a < 0)
    keys = list(a_wv.index_to_key) + [b_wv.index_to_key[i] for i in only_b]
    vectors = np.vstack([a_vectors, b_vectors[only_b]]).astype(np.float32)
    counts = np.concatenate([a_counts, b_counts[only_b]])
    rows = b_in_a[shared]
    vectors[rows] = combine_shared(a_vectors[rows], b_vectors[shared], a_counts[rows], b_counts[shared])
    counts[rows] += b_counts[shared]
    order = np.argsort(-counts, kind="stable")
    kv = KeyedVectors(vectors.shape[1], dtype=np.float32)
    kv.add_vectors([keys[i] for i in order], vectors[order])
    kv.expandos["count"] = counts[order]
    return kv


@register("noise-floor", label="noise floor: joint again, seed 2", uses=("floor",))
def noise_floor(context):
    return context.models["floor"].wv


@register("a-alone", label="A alone", uses=("a",))
def a_alone(context):
    return context.models["a"].wv


@register("b-alone", label="B alone", uses=("b",))
def b_alone(context):
    return context.models["b"].wv


@register("naive-union", label="naive union, no alignment (A's vectors + B-only words)")
def naive_union(context):
    a, b = context.models["a"].wv, context.models["b"].wv
    return union(a, a.vectors, b, b.vectors, lambda va, vb, ca, cb: va)


@register("translation-matrix", label="gensim TranslationMatrix B→A + union, shared averaged")
def translation_matrix(context):
    a, b = context.models["a"].wv, context.models["b"].wv
    anchors = frequent_shared(a, b, context.args.anchors)
    matrix = TranslationMatrix(b, a, word_pairs=[(word, word) for word in anchors])
    # gensim's translate() normalises the source space before applying the matrix; do the same
    mapped = matrix.apply_transmat(Space(_unit(b.vectors), list(b.index_to_key))).mat
    logger.info("translation matrix fitted on %d anchors", len(anchors))
    return union(a, _unit(a.vectors), b, mapped, lambda va, vb, ca, cb: (va + vb) / 2)


@register("procrustes-union",
          label="Procrustes B→A (frequent shared words), unit vectors, count-weighted union")
def procrustes_union(context):
    a, b = context.models["a"].wv, context.models["b"].wv
    anchors = frequent_shared(a, b, context.args.anchors)
    a_unit, b_unit = _unit(a.vectors), _unit(b.vectors)
    a_rows = [a.key_to_index[w] for w in anchors]
    b_rows = [b.key_to_index[w] for w in anchors]
    rotation, _ = orthogonal_procrustes(b_unit[b_rows], a_unit[a_rows])
    logger.info("Procrustes fitted on %d anchors", len(anchors))

    def weighted(va, vb, ca, cb):
        return (va * ca[:, None] + vb * cb[:, None]) / (ca + cb)[:, None]

    return union(a, a_unit, b, b_unit @ rotation, weighted)


@register("continued-plain", uses=("a",),
          label="gensim plain continued training (A model, build_vocab(B, update=True), train(B))")
def continued_plain(context):
    model = context.fresh_model("a")
    model.build_vocab(context.corpus_b, update=True)
    model.train(context.corpus_b, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv


# gensim-merge's own methods, with their defaults


@register("gm-merge", label="gensim-merge: B.align_to(A) + A.merge_with(B) (defaults)")
def gm_merge(context):
    a = MergeableKeyedVectors.from_word2vec(context.models["a"], copy=False)
    b = MergeableKeyedVectors.from_word2vec(context.models["b"], copy=False)
    return a.merge_with(b, names=["A", "B"])


@register("gm-continue", uses=("a",), label="gensim-merge: continue_from(A model, B) (defaults)")
def gm_continue(context):
    return MergeableKeyedVectors.continue_from(context.models["a"], context.corpus_b)


class _EveryNth:
    """Restartable iterable over every n-th sentence of a corpus (a deterministic rehearsal sample)."""

    def __init__(self, corpus, n):
        self.corpus, self.n = corpus, n

    def __iter__(self):
        for i, sentence in enumerate(self.corpus):
            if i % self.n == 0:
                yield sentence


@register("gm-continue-rehearsal", uses=("a",),
          label="gensim-merge: continue_from(A model, B, rehearsal=every 10th line of A)")
def gm_continue_rehearsal(context):
    return MergeableKeyedVectors.continue_from(context.models["a"], context.corpus_b,
                                               rehearsal=_EveryNth(context.corpus_a, 10))


# ------------------------------------------------------------------------------------------------------
# scoring


def word_groups(models):
    """A-only, B-only and shared words of the joint vocabulary (in joint order), plus the rest."""
    a, b, joint = models["a"].wv.key_to_index, models["b"].wv.key_to_index, models["joint"].wv.index_to_key
    groups = {"A-only": [], "B-only": [], "shared": []}
    neither = 0
    for word in joint:
        in_a, in_b = word in a, word in b
        if in_a and in_b:
            groups["shared"].append(word)
        elif in_a:
            groups["A-only"].append(word)
        elif in_b:
            groups["B-only"].append(word)
        else:
            neither += 1
    return groups, neither


def evaluate(kv, reference, groups, args):
    """ClosenessReport of `kv` against the joint model over the groups."""
    return closeness(kv, reference, groups=groups, topn=args.topn, max_words_per_group=args.max_words,
                     n_pairs=args.n_pairs, seed=0)


def _group_mean(nn):
    """Unweighted mean of the A-only, B-only and shared figures (NaN if a group is empty).

    The usual "overall" of a three-group fidelity table (three equal samples of words); this script's
    "overall" samples all the words a candidate shares with the joint model instead.
    """
    return float(np.mean([nn[g] for g in GROUPS[:3]]))


def restrict(kv, keys):
    """A new KeyedVectors holding only `keys` (in that order) with their vectors from `kv`."""
    rows = np.fromiter((kv.key_to_index[k] for k in keys), np.intp, len(keys))
    out = KeyedVectors(kv.vector_size, dtype=kv.vectors.dtype)
    out.add_vectors(list(keys), kv.vectors[rows])
    return out


class Scorer:
    """Scores models against the joint model; ratios divide by the noise floor *on the same vocabulary*.

    Neighbours are searched within the words a model shares with the joint model, so a model that
    lacks the rarest words (e.g. the union of two half-corpus models, where min_count applied to each
    half) is compared on an easier, smaller vocabulary. For a like-for-like ratio the noise floor is
    evaluated after restricting it to the candidate's vocabulary: same query words (the samples are
    seeded per group and drawn in the joint model's order), same search space.
    """

    def __init__(self, reference, floor, groups, args):
        self.reference, self.floor, self.groups, self.args = reference, floor, groups, args
        self.floor_report = evaluate(floor, reference, groups, args)

    def report(self, kv):
        """(report of `kv`, report of the noise floor restricted to the words `kv` holds)."""
        report = evaluate(kv, self.reference, self.groups, self.args)
        keys, floor_keys = kv.key_to_index, self.floor.key_to_index
        held = [w for w in self.reference.index_to_key if w in keys and w in floor_keys]
        if len(held) == self.floor_report.n_shared:
            return report, self.floor_report
        logger.info("evaluating the noise floor on the %d joint-vocabulary words the candidate holds",
                    len(held))
        return report, evaluate(restrict(self.floor, held), self.reference, self.groups, self.args)

    def score(self, kv):
        """Figures of `kv` (see :func:`figures`)."""
        return figures(*self.report(kv))


def figures(report, floor_report):
    """JSON-safe dict: nn10, ratio and ρ per group, the mean of the groups, coverage."""
    nn = {name: report[name].nn_overlap for name in GROUPS}
    floor_nn = {name: floor_report[name].nn_overlap for name in GROUPS}
    ratio = fidelity_ratio(report, floor_report)
    floor_mean = _group_mean(floor_nn)
    return {
        "nn10": nn,
        "ratio": {name: ratio[name] for name in GROUPS},
        "nn10_mean": _group_mean(nn),
        "ratio_mean": _group_mean(nn) / floor_mean if floor_mean > 0 else math.nan,
        "floor_nn10": floor_nn,
        "rho": report.overall.spearman,
        "rho_groups": {name: report[name].spearman for name in GROUPS},
        "n_words": {name: report[name].n_words for name in GROUPS},
        "coverage": report.coverage,
    }


def continuation_setup(split="domains", *, cache_dir=None, extra_args=()):
    """Everything a continuation experiment needs, from the cached (or freshly trained) models.

    Parameters
    ----------
    split : {"domains", "halves", "quick"}
    cache_dir : str, optional
        Default ``benchmarks/.cache``.
    extra_args : sequence of str
        More command-line options of this script (e.g. ``["--epochs", "3"]``).

    Returns
    -------
    dict
        ``split``, ``args``, ``params`` (``Word2Vec(**params)`` is an untrained model with the run's
        settings), ``source`` (the full model of A; copy it before training), ``models`` and ``metas``
        (by role), ``corpus_a``, ``corpus_b``, ``reference`` (joint KeyedVectors), ``groups``,
        ``scorer`` (a :class:`Scorer`; :func:`score` uses it).
    """
    argv = {"domains": [], "halves": ["--halves"], "quick": ["--quick"]}[split] + list(extra_args)
    if cache_dir is not None:
        argv += ["--cache-dir", str(cache_dir)]
    args = parse_args(argv)
    models, metas = load_or_train_models(args)
    corpus_a, corpus_b = corpora(args)
    groups, _ = word_groups(models)
    reference = models["joint"].wv
    return {"split": split, "args": args, "params": word2vec_params(args), "source": models["a"],
            "models": models, "metas": metas, "corpus_a": corpus_a, "corpus_b": corpus_b,
            "reference": reference, "groups": groups,
            "scorer": Scorer(reference, models["floor"].wv, groups, args)}


def score(kv, setup):
    """Figures (see :func:`figures`) of `kv` against the joint model of a :func:`continuation_setup`."""
    return setup["scorer"].score(kv)


# ------------------------------------------------------------------------------------------------------
# the run


def _fmt(value, digits=3):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:.{digits}f}"
    return text[1:] if text.startswith("0.") else text.replace("-0.", "-.")


def markdown_table(rows, *, standard=None):
    """The main table; `standard` (default: whether the rows have them) adds WS353/SimLex/analogies."""
    if standard is None:
        standard = any(row.get("standard") for row in rows)
    floor = next((row["figures"] for row in rows if row["name"] == "noise-floor"), None)
    head = ["candidate", *(f"{g} nn10" for g in GROUPS), "mean nn10", *(f"ratio {g}" for g in GROUPS),
            "ratio mean", "ρ", "coverage"]
    if standard:
        head += ["WS353", "SimLex", "analogies"]
    head += ["train s", "combine s"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        f = row["figures"]
        cells = [row["label"]]
        if f:
            mean = _group_mean(f["nn10"])
            ratio_mean = f.get("ratio_mean")
            if ratio_mean is None:  # JSON written before the column existed
                ratio_mean = mean / _group_mean(floor["nn10"]) if floor else math.nan
        cells += [_fmt(f["nn10"][g]) for g in GROUPS] + [_fmt(mean)] if f else ["–"] * 5
        cells += [_fmt(f["ratio"][g], 2) for g in GROUPS] + [_fmt(ratio_mean, 2)] if f else ["–"] * 5
        cells += [_fmt(f["rho"]), _fmt(f["coverage"])] if f else ["–", "–"]
        if standard:
            s = row.get("standard") or {}
            cells += [_fmt(s.get("wordsim353")), _fmt(s.get("simlex999")), _fmt(s.get("analogies"))]
        cells += [f"{row['train_seconds']:.0f}", f"{row['combine_seconds']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def detail_table(rows):
    """Per-group rho, word counts and the noise floor's nn10 on the candidate's vocabulary."""
    head = ["candidate", *(f"ρ {g}" for g in GROUPS), *(f"words {g}" for g in GROUPS),
            *(f"floor nn10 {g}" for g in GROUPS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        f = row["figures"]
        if not f:
            continue
        floor = f.get("floor_nn10", {})
        cells = [row["label"], *(_fmt(f["rho_groups"][g]) for g in GROUPS),
                 *(str(f["n_words"][g]) for g in GROUPS), *(_fmt(floor.get(g)) for g in GROUPS)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(args):
    """Train or load the models, build and score the selected candidates; returns the result rows."""
    names = list(CANDIDATES) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        raise SystemExit(f"unknown candidate(s) {unknown}; known: {sorted(CANDIDATES)}")
    # every run needs all four: A's and B's vocabularies define the groups, the floor gives the ratio
    models, metas = load_or_train_models(args)
    corpus_a, corpus_b = corpora(args)
    train_seconds = {role: meta["train_seconds"] for role, meta in metas.items()}
    context = Context(models, corpus_a, corpus_b, word2vec_params(args), train_seconds, args)
    groups, neither = word_groups(models)
    reference = models["joint"].wv
    logger.info("joint vocabulary %d words: %s, %d in neither A's nor B's model", len(reference),
                ", ".join(f"{g} {len(w)}" for g, w in groups.items()), neither)
    scorer = Scorer(reference, models["floor"].wv, groups, args)

    rows = []
    joint_row = {"name": "joint", "label": "joint model (reference)", "figures": None,
                 "train_seconds": train_seconds["joint"], "combine_seconds": 0.0}
    if args.standard:
        joint_row["standard"] = standard_scores(reference)
    rows.append(joint_row)
    for name in names:
        candidate = CANDIDATES[name]
        logger.info("candidate %s: %s", name, candidate.label)
        start = time.perf_counter()
        kv = candidate.build(context)
        combine = time.perf_counter() - start
        row = {"name": name, "label": candidate.label, "figures": scorer.score(kv),
               "train_seconds": sum(train_seconds[r] for r in candidate.uses), "combine_seconds": combine,
               "vocabulary": len(kv)}
        if args.standard:
            row["standard"] = standard_scores(kv)
        logger.info("%s: nn10 %s, ratio %s, rho %.3f, coverage %.3f", name,
                    {g: round(v, 3) for g, v in row["figures"]["nn10"].items()},
                    {g: round(v, 2) for g, v in row["figures"]["ratio"].items()},
                    row["figures"]["rho"], row["figures"]["coverage"])
        rows.append(row)
    model_facts = ("vocabulary", "corpus_lines", "corpus_words", "train_seconds")
    summary = {"mode": args.mode, "params": word2vec_params(args), "floor_seed": args.floor_seed,
               "corpora": {"a": _shown(corpus_a.describe()), "b": _shown(corpus_b.describe())},
               "models": {role: {**{k: metas[role][k] for k in model_facts},
                                 "dir": model_dir(role, args).name} for role in metas},
               "groups": {g: len(w) for g, w in groups.items()} | {"neither": neither},
               "evaluation": {"topn": args.topn, "max_words": args.max_words, "n_pairs": args.n_pairs,
                              "anchors": args.anchors}}
    return rows, summary


def _shown(identity):
    """A corpus identity as results files show it: the file's name, not a path of this machine."""
    return {**identity, "path": Path(identity["path"]).name}


LEGEND = """\
`nn10`: mean share of a word's 10 nearest neighbours (searched within the vocabulary the candidate and
the joint model share) that are the same in both, over a seeded sample of up to `max_words` words per
group. Groups are words of the joint vocabulary: `A-only` = in A's model but not B's, `B-only` = the
reverse, `shared` = in both; `overall` samples every word the candidate shares with the joint model (so
the largest group weighs most); `mean` = unweighted mean of A-only, B-only and shared (the
`mean` of the headline tables). `ratio` = nn10 / the noise floor's nn10 on the same words (the
noise floor is a second joint training with another seed, restricted to the words the candidate holds, so
that both search neighbours in the same vocabulary). `ρ` = Spearman correlation of the cosines of
`n_pairs` random pairs of shared words, candidate vs joint. `coverage` = share of the joint vocabulary
the candidate holds. WS353 / SimLex: Spearman ρ against human scores (pairs out of vocabulary skipped);
analogies: accuracy on the Google questions among the 30 000 most frequent words (questions out of
vocabulary skipped). `train s` = training time of the cached models the candidate starts from (measured
when they were trained); `combine s` = wall time of building the candidate from them (for continued
training, the training on B).
"""


def render(rows, summary, command):
    """Markdown section: parameters, command, vocabulary sizes and the tables."""
    models = summary["models"]
    corpus_line = ", ".join(
        f"{role} {c['path']}{' (' + c['part'] + ' lines)' if c['part'] else ''}"
        for role, c in (("A", summary["corpora"]["a"]), ("B", summary["corpora"]["b"])))
    sizes = ", ".join(
        f"{role} {m['vocabulary']} words / {m['corpus_lines']} lines / {m['corpus_words']} tokens"
        for role, m in models.items())
    groups = ", ".join(f"{g} {n}" for g, n in summary["groups"].items())
    return "\n".join([
        f"### Mode `{summary['mode']}`",
        "",
        f"Command: `{command}`",
        "",
        f"- corpora: {corpus_line}",
        (f"- Word2Vec: {summary['params']} (noise floor: seed {summary['floor_seed']}); "
         f"gensim {gensim.__version__}"),
        f"- models: {sizes}",
        f"- joint-vocabulary groups: {groups}",
        f"- evaluation: {summary['evaluation']}",
        "",
        markdown_table(rows),
        "",
        LEGEND,
        ("Per-group ρ, number of joint-vocabulary words each candidate holds, and the noise floor's nn10 "
         "on the candidate's vocabulary (the denominators of the ratios):"),
        "",
        detail_table(rows),
        "",
    ])


def main(argv=None):
    args = parse_args(argv)
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s", level=logging.INFO)
    if not args.verbose:
        logging.getLogger("gensim").setLevel(logging.WARNING)
    given = sys.argv[1:] if argv is None else argv
    command = "python -m benchmarks.fidelity " + " ".join(shlex.quote(a) for a in given)
    start = time.perf_counter()
    if args.from_json:
        saved = json.loads(Path(args.from_json).read_text())
        rows, summary, command = saved["rows"], saved["summary"], saved["command"]
    else:
        rows, summary = run(args)
    text = render(rows, summary, command)
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    if args.json:
        Path(args.json).write_text(json.dumps({"summary": summary, "rows": rows, "command": command},
                                              indent=1, default=str))
    logger.info("done in %.0f s", time.perf_counter() - start)
    return rows, summary


if __name__ == "__main__":
    main()
