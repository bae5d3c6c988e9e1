"""Fidelity of merge options against joint training: the experiments behind merge_with's defaults.

Loads the cached models of ``benchmarks/fidelity.py`` (training them if needed), merges B into A with each
variant and prints, per word group, nn10 and its ratio to the noise floor, and ρ (all against the jointly
trained model, as in ``fidelity.py``).

Two kinds of variants:

- ``lib:*`` — ``MergeableKeyedVectors.merge_with`` with the given options (what users get);
- ``exp:*`` — ideas tried in plain numpy on top of the library's alignment, kept here so that the figures
  quoted in ``RESULTS.md`` for ideas that were *not* adopted can be reproduced:
  ``exp:power-P`` count**P weights; ``exp:concat`` the two unit vectors side by side, scaled by the square
  roots of the count shares (2·d dimensions: no cross-model terms in any cosine); ``exp:concat-svd`` the same
  reduced back to d dimensions by PCA; ``exp:refine-K`` each word known to one model moved by the
  softmax-weighted moves (temperature 0.05) of its K nearest shared words.

Usage (from the repository root)::

    python -m benchmarks.experiments.merge_rules_against_joint_training.first_round_options \
        [--split domains|halves|quick] [--variants NAME,NAME] [--json F]
"""

import argparse
import json
import logging
import os
import time

import numpy as np
from gensim.models import KeyedVectors

import gensim_merge.evaluation as shared_space
from benchmarks import fidelity
from gensim_merge import MergeableKeyedVectors

HERE = os.path.dirname(os.path.abspath(__file__))  # benchmarks/experiments/<topic>/

LIB_VARIANTS = {
    "lib:count": {},
    "lib:mean": {"strategy": "mean"},
    "lib:reference": {"strategy": "reference"},
    "lib:center": {"align_options": {"center": True}},
    "lib:no-normalize": {"align_options": {"normalize": False}},
    "lib:no-trim": {"align_options": {"trim": False}},
    "lib:anchors-1k": {"align_options": {"n_anchors": 1000}},
    "lib:anchors-20k": {"align_options": {"n_anchors": 20000}},
    "lib:linear": {"align_options": {"method": "linear", "n_anchors": 20000}},
}
EXP_VARIANTS = ("exp:power-2", "exp:power-0.5", "exp:concat", "exp:concat-svd", "exp:refine-10")


def _unit(X):
    return X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)


def experimental(name, a, b):
    """Build an ``exp:*`` variant as plain KeyedVectors (see the module docstring)."""
    rotation = b.alignment_to(a).matrix
    keys = list(dict.fromkeys(a.index_to_key + b.index_to_key))
    in_a = np.array([a.key_to_index.get(k, -1) for k in keys])
    in_b = np.array([b.key_to_index.get(k, -1) for k in keys])
    count_a = np.where(in_a >= 0, a.expandos["count"][in_a], 0).astype(float)
    count_b = np.where(in_b >= 0, b.expandos["count"][in_b], 0).astype(float)
    half_a, half_b = np.zeros((len(keys), a.vector_size)), np.zeros((len(keys), a.vector_size))
    half_a[in_a >= 0] = _unit(a.vectors[in_a[in_a >= 0]])
    half_b[in_b >= 0] = _unit(b.vectors[in_b[in_b >= 0]] @ rotation)
    only_a, only_b = in_b < 0, in_a < 0
    power = float(name.split("-")[1]) if name.startswith("exp:power") else 1.0
    share_a = count_a ** power / (count_a ** power + count_b ** power)
    if name.startswith("exp:power"):
        out = share_a[:, None] * half_a + (1 - share_a)[:, None] * half_b
    elif name.startswith("exp:concat"):
        filled_a, filled_b = half_a.copy(), half_b.copy()
        filled_b[only_a], filled_a[only_b] = half_a[only_a], half_b[only_b]
        share = np.where(only_a, 0.9, np.where(only_b, 0.1, share_a))  # a little of the mapped estimate
        out = np.hstack([np.sqrt(share)[:, None] * filled_a, np.sqrt(1 - share)[:, None] * filled_b])
        if name == "exp:concat-svd":
            _, eigvecs = np.linalg.eigh(out.T @ out)
            out = out @ eigvecs[:, ::-1][:, :a.vector_size]
    elif name.startswith("exp:refine"):
        k = int(name.split("-")[1])
        out = share_a[:, None] * half_a + (1 - share_a)[:, None] * half_b
        shared = ~(only_a | only_b)
        keys_rows = np.flatnonzero(shared)
        merged_dir = _unit(out[keys_rows])
        for only, half in ((only_a, half_a), (only_b, half_b)):
            key_vecs = half[keys_rows]
            moves = merged_dir - key_vecs
            rows = np.flatnonzero(only)
            for start in range(0, rows.size, 2048):
                q = half[rows[start:start + 2048]]
                sims = q @ key_vecs.T
                top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
                s = np.take_along_axis(sims, top, axis=1)
                w = np.exp((s - s.max(axis=1, keepdims=True)) / 0.05)
                w /= w.sum(axis=1, keepdims=True)
                out[rows[start:start + 2048]] = _unit(q + np.einsum("nk,nkd->nd", w, moves[top]))
    else:
        raise ValueError(name)
    kv = KeyedVectors(out.shape[1])
    kv.add_vectors(keys, out.astype(np.float32))
    return kv


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="domains", choices=["domains", "halves", "quick"])
    parser.add_argument("--variants", default=",".join([*LIB_VARIANTS, *EXP_VARIANTS]))
    parser.add_argument("--json", help="append one JSON line per variant to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # neighbour overlap needs no equal widths; the 2·d-dimensional concatenation is compared as it is
    shared_space.check_pair = lambda model, reference: None  # allow 2d-dim candidates
    setup = fidelity.continuation_setup(args.split)
    a = MergeableKeyedVectors.from_word2vec(setup["models"]["a"], copy=False)
    b = MergeableKeyedVectors.from_word2vec(setup["models"]["b"], copy=False)
    floor = setup["scorer"].floor_report
    print(f"split={args.split} noise floor nn10 (whole joint vocabulary): "
          f"{json.dumps({name: round(floor[name].nn_overlap, 4) for name in fidelity.GROUPS})}")
    for name in args.variants.split(","):
        start = time.perf_counter()
        if name in LIB_VARIANTS:
            merged = a.merge_with(b, names=["A", "B"], **LIB_VARIANTS[name])
        else:
            merged = experimental(name, a, b)
        seconds = time.perf_counter() - start
        figures = fidelity.score(merged, setup)
        figures.update(variant=name, split=args.split, merge_seconds=round(seconds, 2))
        ratio = figures["ratio"]
        print(f"{name:18s} ratio A-only {ratio['A-only']:.3f} B-only {ratio['B-only']:.3f} "
              f"shared {ratio['shared']:.3f} overall {ratio['overall']:.3f} rho {figures['rho']:.3f} "
              f"({seconds:.1f} s)", flush=True)
        if args.json:
            with open(args.json, "a") as fout:
                fout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
