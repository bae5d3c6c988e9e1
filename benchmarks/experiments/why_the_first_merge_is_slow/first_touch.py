"""How long does filling a fresh 1.5M x 300 float32 array take, with and without numpy's huge-page request?

Each setting runs in a fresh process (the first large allocation of a process is the one that matters), and
fills two fresh arrays one after the other.
Usage: ``python -m benchmarks.experiments.why_the_first_merge_is_slow.first_touch``.
"""

import subprocess
import sys

CHILD = """
import time, numpy as np
from numpy._core.multiarray import _set_madvise_hugepage
_set_madvise_hugepage({flag})
times = []
for _ in range(2):
    start = time.perf_counter(); a = np.empty((1_500_000, 300), np.float32); a.fill(0)
    times.append(round(time.perf_counter() - start, 3)); del a
print("huge pages requested={flag}: fills took", times, "s")
"""

for flag in (False, True, False, True):
    subprocess.run([sys.executable, "-c", CHILD.format(flag=flag)], check=True)
