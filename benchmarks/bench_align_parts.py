"""Where align_to's time goes, part by part, next to the two products of the floor (bench_align.py's models).

Times each part alone (minimum CPU time of 5 calls, 1 BLAS thread, one process): the floor's anchor cross
product and vocabulary mapping, the anchor resolution, the whole fit (default, and plain: ``trim=False,
heldout=0``), the fit's cross product and its one pass over the anchors for the residuals, the application of
the map, the new model's bookkeeping and one 300 x 300 SVD. The lower bound of a robust fit that checks every
anchor is the floor plus one residual pass.

Usage (repository root; needs the models bench_align.py generates): ``python -m benchmarks.bench_align_parts 100000``
"""
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
from gensim_merge import MergeableKeyedVectors  # noqa: E402
from gensim_merge._procrustes import cross_product, residual_terms  # noqa: E402
from gensim_merge.alignment import fit_alignment, resolve_anchors  # noqa: E402


def main(n, n_anchors=50_000, repeats=5):
    path = os.path.join(HERE, ".cache", "bench_align", f"n{n}_d300_s0_noise0.2_shift0.01")
    target = MergeableKeyedVectors.load(os.path.join(path, "target.kv"))
    source = MergeableKeyedVectors.load(os.path.join(path, "source.kv"))
    A, B = np.array(source.vectors[:n_anchors]), np.array(target.vectors[:n_anchors])
    W = np.random.default_rng(1).standard_normal((300, 300)).astype(np.float32)
    anchors = resolve_anchors(source, target, None, n_anchors=n_anchors, min_count=0)
    rows = {"source_rows": anchors.source_index, "target_rows": anchors.target_index,
            "source_words": anchors.source_words, "target_words": anchors.target_words}
    alignment = fit_alignment(source.vectors, target.vectors, **rows)
    norms = (np.einsum("ij,ij->i", A, A).astype(float), np.einsum("ij,ij->i", B, B).astype(float))
    parts = {
        "floor: anchor cross product": lambda: A.T @ B,
        "floor: mapping the vocabulary": lambda: source.vectors @ W,
        "resolve_anchors": lambda: resolve_anchors(source, target, None, n_anchors=n_anchors, min_count=0),
        "fit_alignment, defaults": lambda: fit_alignment(source.vectors, target.vectors, **rows),
        "fit_alignment, trim=False heldout=0": lambda: fit_alignment(source.vectors, target.vectors, trim=False,
                                                                     heldout=0, **rows),
        "  of which: cross product (unit rows)": lambda: cross_product(A, B, normalize=True, norms=norms),
        "  of which: one residual pass": lambda: residual_terms(A, B, W.astype(float)),
        "  of which: one 300x300 SVD": lambda: np.linalg.svd(W.astype(float)),
        "Alignment.apply (whole vocabulary)": lambda: alignment.apply(source.vectors),
        "new model (keys, attributes)": lambda: source._with_vectors(source.vectors),
    }
    print(f"# n={n} words x 300, {n_anchors} anchors, 1 BLAS thread, min CPU time of {repeats} calls (s), "
          f"load {os.getloadavg()[0]:.2f}")
    for name, job in parts.items():
        times = []
        for _ in range(repeats):
            start = time.process_time()
            job()
            times.append(time.process_time() - start)
        print(f"{name:40s} {min(times):.4f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
