"""Every file the package writes gets the mode ``open()`` would give (issue 11 §2), though saves are atomic.

A new file gets ``0o666`` less the process umask; an overwritten file keeps its mode. The atomic write goes
through a ``mkstemp`` file (mode 0o600), so without care every output would be private to its owner.
"""

import os
import stat

import numpy as np
import pytest

from gensim_merge._io import _current_umask, atomic_output
from gensim_merge.io import save_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy


@pytest.fixture(params=[0o022, 0o077, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def kv(rng):
    return make_kv([f"w{i}" for i in range(30)], 4, rng, counts=np.arange(300, 0, -10))


def _write_class_native(kv, tmp_path):
    path = tmp_path / "m.kv"
    kv.save(str(path), sep_limit=0)  # arrays into .npy side files
    return [path, *sorted(tmp_path.glob("m.kv.*.npy"))]


def _write_with(ext):
    def write(kv, tmp_path):
        path = tmp_path / f"m{ext}"
        save_vectors(kv, path)
        return [path]
    return write


def _write_class_word2vec(kv, tmp_path):
    path = tmp_path / "m.bin"
    kv.save_word2vec_format(str(path), fvocab=str(tmp_path / "vocab.txt"), binary=True)
    return [path, tmp_path / "vocab.txt"]


def _write_class_safetensors(kv, tmp_path):
    path = tmp_path / "m.safetensors"
    kv.save(str(path))
    return [path]


def _write_alignment(kv, tmp_path):
    other = rotated_copy(kv, random_orthogonal(4, np.random.default_rng(1)))
    path = tmp_path / "map.npz"
    kv.alignment_to(other, anchor_min_count=0).save(str(path))
    return [path]


def _write_report(kv, tmp_path):
    pytest.importorskip("matplotlib")
    from gensim_merge.report_html import PNG_NAMES, alignment_report_html

    other = rotated_copy(kv, random_orthogonal(4, np.random.default_rng(1)))
    alignment = kv.alignment_to(other, anchor_min_count=0)
    alignment_report_html(kv, other, alignment, str(tmp_path / "r.html"), png_dir=str(tmp_path / "png"),
                          anchor_min_count=0)
    return [tmp_path / "r.html", *(tmp_path / "png" / name for name in PNG_NAMES.values())]


WRITERS = {
    "class save, native with side files": _write_class_native,
    "class save, .safetensors": _write_class_safetensors,
    "class save_word2vec_format with fvocab": _write_class_word2vec,
    "save_vectors .safetensors": _write_with(".safetensors"),
    "save_vectors .kv.gz": _write_with(".kv.gz"),
    "save_vectors .txt": _write_with(".txt"),
    "save_vectors .bin": _write_with(".bin"),
    "Alignment.save .npz": _write_alignment,
    "report html and png": _write_report,
}


@pytest.mark.parametrize("writer", WRITERS.values(), ids=list(WRITERS))
def test_new_files_get_the_umask_mode(tmp_path, kv, umask, writer):
    paths = writer(kv, tmp_path)
    assert paths
    for path in paths:
        assert _mode(path) == 0o666 & ~umask, path


@pytest.mark.parametrize("writer", WRITERS.values(), ids=list(WRITERS))
def test_overwritten_files_keep_their_mode(tmp_path, kv, umask, writer):
    paths = writer(kv, tmp_path)
    for i, path in enumerate(paths):
        os.chmod(path, (0o644, 0o640, 0o604)[i % 3])
    before = {path: _mode(path) for path in paths}
    assert writer(kv, tmp_path) == paths
    assert {path: _mode(path) for path in paths} == before


def test_umask_is_read_without_changing_it(umask):
    assert _current_umask() == umask
    assert _current_umask() == umask


def test_failed_write_leaves_no_file_and_the_old_mode(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("old")
    os.chmod(path, 0o640)
    with pytest.raises(RuntimeError), atomic_output(path) as tmp:
        with open(tmp, "w") as fout:
            fout.write("new")
        raise RuntimeError("boom")
    assert path.read_text() == "old" and _mode(path) == 0o640
    assert os.listdir(tmp_path) == ["x.txt"]
