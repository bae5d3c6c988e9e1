"""Plain ``pytest`` (no ``python -m``, no PYTHONPATH) collects every test file, as ``python -m pytest`` does."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="python -P (no current directory on sys.path) is 3.11+")
def test_plain_pytest_collects_every_test_file():
    # ``python -P -m pytest`` starts like the ``pytest`` script: the current directory is not on sys.path
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-P", "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "tests"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    collected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    assert collected == {f"tests/{p.name}" for p in (ROOT / "tests").glob("test_*.py")}
