"""Fidelity of continued training that combines several estimates (``continue_from(members=k, new_model=...)``),
next to the plain recipe.

Registers with :mod:`fidelity` (same cached models, same scorer) the candidates below and runs
``fidelity.main`` with them. ``--continue-seed S`` seeds the continued trainings (member i: S + i), so two runs
with different S show the run-to-run spread; every other option is fidelity.py's.

- ``gm-continue-seeded``: ``continue_from(A, B, seed=S)`` (one continued training, the single-estimate row);
- ``gm-continue-newmodel``: the same continuation combined with B's own cached model (``new_model=B``, the
  default per-group rules: words only B knows averaged by evidence, shared and old words kept);
- ``gm-continue-newmodel-shared``: the same, shared words also combined by evidence (the alternative rule);
- ``gm-continue-members2``: ``members=2`` (seeds S, S + 1), aligned and averaged;
- ``gm-continue-members2-newmodel``: ``members=2`` and ``new_model=B``;
- ``gm-continue-members4``, ``gm-continue-members4-newmodel``: the same with ``members=4``;
- ``...-newmodel-half``: the members' average weighted as one estimate against the new model (half each), instead
  of one estimate per member (the default: ``members * count`` against the new model's count).

The continued trainings of one run are made once and reused (copied) by every candidate that needs them, through
the same combining function ``continue_training`` calls (``gensim_merge.continuation.continue_with_estimates``);
so "combine s" of a candidate counts the trainings it was the first to need, plus aligning and combining.

Usage (from the repository root)::

    python -m benchmarks.fidelity_estimates --continue-seed 11 --no-standard \\
        --only continued-plain,gm-continue-seeded,gm-continue-newmodel,gm-continue-members2 \\
        --output benchmarks/results/fidelity_domains_estimates_seed11.md
"""

import copy
import dataclasses
import functools
import shlex
import sys
from pathlib import Path
from unittest import mock

import numpy as np

from benchmarks import fidelity
from gensim_merge import continuation
from gensim_merge.alignment import AlignOptions
from gensim_merge.continuation import DEFAULT_RULES, continue_with_estimates

SEED = {"value": 11}
_RUNS = {}


def _once(context, seed):
    """A continued training of A's model on B with `seed`, made once per run and copied for each use."""
    if seed not in _RUNS:
        fidelity.logger.info("continued training of A on B, seed %d", seed)
        _RUNS[seed] = continuation._continue_once(
            context.models["a"], context.corpus_b, None, None, seed, epochs=None, alpha=None, min_alpha=None,
            min_count=None, min_count_rule="combined", resort=True, warm_start_epochs=1, word2vec_kwargs=None,
            workers=None, inplace=False)
        fidelity.logger.info("seed %d: %s", seed, _RUNS[seed][0].report)
    result, was_old, new_counts = _RUNS[seed]
    return dataclasses.replace(result, model=copy.deepcopy(result.model)), was_old, new_counts


def _combined(context, *, members, new_model, rules=None, pool_members=True):
    # pool_members=False: the members' average counts as one estimate (evidence = count, not members * count)
    # against the new corpus's model; the library always pools, so the variant passes held = 1 for this call
    combine = continuation._combine_new_model
    if not pool_members:
        def combine(model, vectors, other, groups, new_counts, rules, align_options, held):
            return continuation._combine_new_model(model, vectors, other, groups, new_counts, rules, align_options,
                                                   np.ones_like(held))
    with mock.patch.object(continuation, "_combine_new_model", combine):
        result = continue_with_estimates(
            functools.partial(_once, context), seed=SEED["value"], members=members, new_model=new_model,
            corpus=None, corpus_file=None, client=None, rules={**DEFAULT_RULES, **(rules or {})},
            align_options=AlignOptions())
    fidelity.logger.info("%s", result.report)
    return result.model.wv


@fidelity.register("gm-continue-seeded", uses=("a",), label="gensim-merge: continue_from(A, B, seed=S)")
def continue_seeded(context):
    return _once(context, SEED["value"])[0].model.wv


@fidelity.register("gm-continue-newmodel", uses=("a", "b"),
                   label="continue_from(A, B, seed=S, new_model=B model) (default rules)")
def continue_newmodel(context):
    return _combined(context, members=1, new_model=context.models["b"])


@fidelity.register("gm-continue-newmodel-shared", uses=("a", "b"),
                   label="continue_from(A, B, seed=S, new_model=B model), shared words also by evidence")
def continue_newmodel_shared(context):
    return _combined(context, members=1, new_model=context.models["b"], rules={"shared": "evidence"})


@fidelity.register("gm-continue-members2", uses=("a",), label="continue_from(A, B, seed=S, members=2)")
def continue_members2(context):
    return _combined(context, members=2, new_model=None)


@fidelity.register("gm-continue-members2-newmodel", uses=("a", "b"),
                   label="continue_from(A, B, seed=S, members=2, new_model=B model)")
def continue_members2_newmodel(context):
    return _combined(context, members=2, new_model=context.models["b"])


@fidelity.register("gm-continue-members4", uses=("a",), label="continue_from(A, B, seed=S, members=4)")
def continue_members4(context):
    return _combined(context, members=4, new_model=None)


@fidelity.register("gm-continue-members4-newmodel", uses=("a", "b"),
                   label="continue_from(A, B, seed=S, members=4, new_model=B model)")
def continue_members4_newmodel(context):
    return _combined(context, members=4, new_model=context.models["b"])


@fidelity.register("gm-continue-members2-newmodel-half", uses=("a", "b"),
                   label="members=2, new_model=B, the members' average weighted as one estimate (half each)")
def continue_members2_newmodel_half(context):
    return _combined(context, members=2, new_model=context.models["b"], pool_members=False)


@fidelity.register("gm-continue-members4-newmodel-half", uses=("a", "b"),
                   label="members=4, new_model=B, the members' average weighted as one estimate (half each)")
def continue_members4_newmodel_half(context):
    return _combined(context, members=4, new_model=context.models["b"], pool_members=False)


def _fix_command(path, given):
    """fidelity.main writes its own command line into the outputs; write this script's instead."""
    if path and Path(path).exists():
        text = Path(path).read_text()
        ours = "python -m benchmarks.fidelity_estimates " + " ".join(shlex.quote(a) for a in given)
        Path(path).write_text(text.replace("python -m benchmarks.fidelity ", ours + "  # was: ", 1))


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    given = list(argv)
    if "--continue-seed" in argv:
        at = argv.index("--continue-seed")
        SEED["value"] = int(argv[at + 1])
        del argv[at:at + 2]
    result = fidelity.main(argv)
    args = fidelity.parse_args(argv)
    for path in (args.output, args.json):
        _fix_command(path, given)
    return result


if __name__ == "__main__":
    main()
