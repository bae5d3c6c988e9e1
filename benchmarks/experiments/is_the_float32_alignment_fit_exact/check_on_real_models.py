"""align_to's robust fit on real models: how far the float32 block cross product moves the map against an
all-float64 one, how much a second trimming round changes, and whether the report's cosines (computed
exactly only for the anchors the report names, see ``gensim_merge._procrustes._cosines_for_report``) equal a
full float64 recomputation.

B (general) is aligned onto A (tech) with the models ``benchmarks/fidelity.py`` caches, on 5000 and 20 000
shared-word anchors. Usage (repository root):
``python -m benchmarks.experiments.is_the_float32_alignment_fit_exact.check_on_real_models``
"""
import os

import numpy as np

from benchmarks import fidelity
from gensim_merge import MergeableKeyedVectors
from gensim_merge._procrustes import cross_product, orthogonal_from_cross
from gensim_merge.alignment import fit_alignment, resolve_anchors

HERE = os.path.dirname(os.path.abspath(__file__))  # benchmarks/experiments/<topic>/


def main():
    models = fidelity.continuation_setup("domains")["models"]
    A = MergeableKeyedVectors.from_word2vec(models["a"])
    B = MergeableKeyedVectors.from_word2vec(models["b"])
    for n_anchors in (5000, 20000):
        anchors = resolve_anchors(B, A, None, n_anchors=n_anchors, min_count=20)
        rows = {"source_rows": anchors.source_index, "target_rows": anchors.target_index,
                "source_words": anchors.source_words, "target_words": anchors.target_words}
        X, Y = B.vectors[anchors.source_index], A.vectors[anchors.target_index]
        cross32 = cross_product(X, Y, normalize=True)[0]
        cross64 = cross_product(X.astype(np.float64), Y.astype(np.float64), normalize=True)[0]
        singular = np.linalg.svd(cross64, compute_uv=False)
        moved = np.abs(orthogonal_from_cross(cross32) - orthogonal_from_cross(cross64)).max()
        print(f"{len(anchors)} anchors: cross product condition {singular[0] / singular[-1]:.1e}; float32 blocks "
              f"vs float64: map entries differ by at most {moved:.1e}")
        fits = {rounds: fit_alignment(B.vectors, A.vectors, max_rounds=rounds, **rows) for rounds in (2, 3)}
        two, three = fits[2].report, fits[3].report
        trimmed2, trimmed3 = {w for w, _, _ in two.trimmed}, {w for w, _, _ in three.trimmed}
        print(f"{n_anchors} anchors: max_rounds 2 vs 3: |R2 - R3|_2 = "
              f"{np.linalg.norm(fits[2].matrix - fits[3].matrix, 2):.2e}; trimmed {len(trimmed2)} vs "
              f"{len(trimmed3)} ({len(trimmed2 & trimmed3)} in common) of {two.n_used + len(trimmed2)}; held-out "
              f"cosine {two.heldout_cosine:.4f} vs {three.heldout_cosine:.4f}; held-out P@1 "
              f"{two.heldout_precision_at_1:.3f} vs {three.heldout_precision_at_1:.3f}")
        # the report against a full recomputation in float64
        X = B.vectors[anchors.source_index].astype(np.float64) @ fits[2].matrix
        Y = A.vectors[anchors.target_index].astype(np.float64)
        cosines = np.einsum("ij,ij->i", X, Y) / np.linalg.norm(X, axis=1) / np.linalg.norm(Y, axis=1)
        index = {w: i for i, w in enumerate(anchors.source_words)}
        shifted = [index[w] for w, _, _ in two.most_shifted]
        n = len(index)
        held = np.zeros(n, dtype=bool)
        held[np.random.default_rng(0).permutation(n)[:max(1, min(round(n * 0.1), 2000))]] = True
        fitted = np.flatnonzero(~held)
        lowest = fitted[np.argsort(cosines[fitted], kind="stable")[:len(shifted)]]
        kept = np.array([i for i in fitted if anchors.source_words[i] not in trimmed2])
        print(f"  report vs float64: most shifted words equal: {list(lowest) == shifted}; largest cosine "
              f"difference {max(abs(c - cosines[index[w]]) for w, _, c in two.most_shifted):.1e}; mean cosine "
              f"{two.mean_cosine:.6f} vs {cosines[kept].mean():.6f}; held-out cosine {two.heldout_cosine:.5f} "
              f"vs {cosines[held].mean():.5f}")


if __name__ == "__main__":
    main()
