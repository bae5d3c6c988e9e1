"""Hostile files: polyglot pickles, truncated fastText binaries, lying word2vec headers and crafted safetensors,
through every loader and the command line."""

import gzip
import json
import os
import pickle
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors, Word2Vec
from gensim.test.utils import common_texts, datapath

from gensim_merge import GensimMergeError, MergeableKeyedVectors, cli, load_vectors
from gensim_merge.errors import (
    DuplicateKeyError,
    IncompatibleModelError,
    ModelFileError,
    ModelFileNotFoundError,
    PickleNotAllowedError,
)
from gensim_merge.fasttext import MergeableFastTextKeyedVectors
from gensim_merge.io import detect_format

# --------------------------------------------------------------------------------------------------------------
# from test_hostile_files.py
# --------------------------------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
NAMES = ["x.safetensors", "x.txt", "x.bin", "x.kv.gz", "x"]
OLD_FORMAT, NEW_FORMAT = "lee_fasttext.bin", "toy-model.bin"  # (10, 5, ...) and (793712314, 12, ...)


class _Payload:
    """Unpickling this creates the file `marker`: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return open, (self.marker, "w")


def _ops(obj):
    """The pickle opcodes of `obj` after the protocol opcode, without the final STOP."""
    data = pickle.dumps(obj, protocol=2)
    assert data[:1] == b"\x80" and data[-1:] == b"."
    return data[2:-1]


def _old_fasttext_polyglot(marker, *, append_kv=False):
    """A pickle whose first 56 bytes read as a plausible old-format fastText header (vector size 25667...).

    SHORT_BINBYTES (``C``, length 100) swallows the header's bytes; POP drops them; the payload follows.
    """
    args = struct.pack("<11id", 5, 5, 1, 5, 1, 2, 1, 2_000_000, 3, 6, 100, 1e-4)  # ws ... lr_update_rate, t
    data = (b"\x00\x00" + args + struct.pack("<3iq", 3, 3, 0, 10)).ljust(100, b"\x01")
    body = b"C" + bytes([100]) + data + b"0" + _ops(_Payload(marker)) + b"0"
    if append_kv:
        kv = KeyedVectors(3)
        kv.add_vectors(["a", "b"], np.eye(2, 3, dtype=np.float32))
        body += _ops(kv)
    else:
        body += b"N"
    return body + b"."


def _safetensors_polyglot(marker):
    """A pickle whose first 9 bytes read as a safetensors header (length 51266, then ``{``)."""
    n = 200
    body = b"B" + struct.pack("<I", n) + (b"\x00\x00\x00{" + b" " * (n - 4)) + b"0" + _ops(_Payload(marker)) + b"."
    return body.ljust(51266 + 8 + 16, b"\x00")


def _plain_pickle(marker):
    return pickle.dumps(_Payload(marker), protocol=4)


def _protocol0_pickle(marker):
    return pickle.dumps(_Payload(marker), protocol=0)


POLYGLOTS = {
    "old-fastText polyglot": _old_fasttext_polyglot,
    "old-fastText polyglot + KeyedVectors": lambda marker: _old_fasttext_polyglot(marker, append_kv=True),
    "safetensors polyglot": _safetensors_polyglot,
    "plain pickle": _plain_pickle,
    "protocol-0 pickle": _protocol0_pickle,
}
#: Files whose first bytes decide a safe reader: even the pickle class loaders must not unpickle them.
SAFE_FOR_CLASS_LOADERS = {"old-fastText polyglot", "old-fastText polyglot + KeyedVectors", "safetensors polyglot"}


def _write(path, data):
    if str(path).endswith(".gz"):
        data = gzip.compress(data)
    Path(path).write_bytes(data)
    return str(path)


def _truncated_fasttext(name, cut):
    with open(datapath(name), "rb") as fin:
        data = fin.read()
    return data[: max(int(len(data) * cut), 80)]


def _text_records(n, dim, rng):
    return "".join(f"w{i} " + " ".join(f"{v:.4f}" for v in rng.standard_normal(dim)) + "\n" for i in range(n))


def _binary_records(n, dim, rng):
    return b"".join(f"w{i} ".encode() + rng.standard_normal(dim).astype(np.float32).tobytes() for i in range(n))


def _lying_word2vec(kind, rng):
    """(bytes, words the message must contain) of a word2vec file whose header line lies."""
    text, binary = _text_records(50, 3, rng), _binary_records(50, 3, rng)
    return {
        "text claims 10^9 words": ((f"{10**9} 3\n" + text).encode(), ["1000000000 words", "at most"]),
        "text claims 10^12 words": ((f"{10**12} 3\n" + text).encode(), ["1000000000000 words", "at most"]),
        "binary claims 10^9 words": (f"{10**9} 3\n".encode() + binary, ["1000000000 words", "at most"]),
        "vector size 10^9": ((f"1 {10**9}\n" + text).encode(), ["vector size 1000000000"]),
        "text, wrong vector size": (("50 5\n" + text).encode(), ["vector size 5", "3 values"]),
        "binary, wrong vector size": (b"50 2\n" + binary, ["vector size 2"]),
        "text, fewer words than the file": (("10 3\n" + text).encode(), ["claims 10 words", "more records"]),
        "binary, fewer words than the file": (b"10 3\n" + binary, ["claims 10 words", "more records"]),
        "text, more words than the file": (("60 3\n" + text).encode(), ["claims 60 words", "ends after 50"]),
    }[kind]


LYING = ["text claims 10^9 words", "text claims 10^12 words", "binary claims 10^9 words", "vector size 10^9",
         "text, wrong vector size", "binary, wrong vector size", "text, fewer words than the file",
         "binary, fewer words than the file", "text, more words than the file"]


@pytest.fixture
def good(tmp_path, rng):
    words = [f"w{i}" for i in range(40)]
    kv = MergeableKeyedVectors(4)
    kv.add_vectors(words, rng.standard_normal((40, 4)).astype(np.float32))
    kv.expandos["count"] = np.arange(400, 0, -10)
    kv.save(str(tmp_path / "good.safetensors"))
    (tmp_path / "corpus.txt").write_text("w1 w2 w3 w4\nw2 w3 w5\n" * 20)
    return tmp_path


def _library_calls(path, corpus):
    """Every library entry a file may reach without opt-in: (name, call)."""
    return [
        ("load_vectors", lambda: load_vectors(path)),
        ("load_vectors fmt=fasttext-binary", lambda: load_vectors(path, fmt="fasttext-binary")),
        ("load_vectors fmt=safetensors", lambda: load_vectors(path, fmt="safetensors")),
        ("from_facebook", lambda: MergeableFastTextKeyedVectors.from_facebook(path)),
        ("continue_from (word2vec)", lambda: MergeableKeyedVectors.continue_from(path, corpus, epochs=1)),
        ("continue_from (fastText)", lambda: MergeableFastTextKeyedVectors.continue_from(path, common_texts)),
    ]


def _cli_runs(path, d):
    return [["convert", path, str(d / "o.safetensors")], ["evaluate", path],
            ["align", path, str(d / "good.safetensors"), "-o", str(d / "o.safetensors")],
            ["continue", path, str(d / "corpus.txt"), "-o", str(d / "o.safetensors")]]


def _refused(call, path):
    """Run `call`: it must raise the package's error naming the file. Returns the message."""
    with pytest.raises(GensimMergeError) as info:
        call()
    assert os.path.basename(path) in str(info.value), str(info.value)
    return str(info.value)


# --------------------------------------------------------------------------------------------------------
# polyglot pickles: never run without opt-in
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", sorted(POLYGLOTS))
def test_no_payload_runs_through_the_library(tmp_path, good, shape, name):
    marker = tmp_path / "ran"
    path = _write(tmp_path / name, POLYGLOTS[shape](str(marker)))
    calls = _library_calls(path, str(good / "corpus.txt"))
    if shape in SAFE_FOR_CLASS_LOADERS and not (shape == "safetensors polyglot" and name.endswith(".gz")):
        # (a gzip file is no safetensors file: to gensim's pickle loaders it is a pickle, as in gensim)
        calls += [("MergeableKeyedVectors.load", lambda: MergeableKeyedVectors.load(path)),
                  ("MergeableFastTextKeyedVectors.load", lambda: MergeableFastTextKeyedVectors.load(path)),
                  ("load_vectors allow_pickle=True", lambda: load_vectors(path, allow_pickle=True))]
    for what, call in calls:
        _refused(call, path)
        assert not marker.exists(), f"{shape} as {name}: {what} ran the payload"


@pytest.mark.parametrize("name", ["x.bin", "x.safetensors", "x"])
@pytest.mark.parametrize("shape", sorted(POLYGLOTS))
def test_no_payload_runs_through_the_command_line(tmp_path, good, capsys, shape, name):
    marker = tmp_path / "ran"
    path = _write(tmp_path / name, POLYGLOTS[shape](str(marker)))
    for argv in _cli_runs(path, good):
        assert cli.main(argv) == 1, argv
        err = capsys.readouterr().err
        assert os.path.basename(path) in err and "Traceback" not in err, (argv, err)
        assert not marker.exists(), f"{shape} as {name}: {argv[0]} ran the payload"


def test_the_payload_does_run_with_opt_in(tmp_path):
    """The plain pickle's payload is real: with allow_pickle=True it runs (so the tests above can fail)."""
    marker = tmp_path / "ran"
    path = _write(tmp_path / "x.kv", _plain_pickle(str(marker)))
    with pytest.raises(Exception):  # noqa: B017 - the payload's result is a file object, no model
        load_vectors(path, allow_pickle=True)
    assert marker.exists()


@pytest.mark.parametrize("name", ["x.safetensors", "x.txt", "x.vec", "x.bin", "x.txt.gz"])
@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_a_pickle_named_as_data_is_never_unpickled_whoever_asks(tmp_path, name, protocol):
    """The class loaders (gensim's pickle loaders) and load_vectors with the switch: a name that promises data
    only is never unpickled, whatever the pickle's protocol."""
    marker = tmp_path / "ran"
    data = pickle.dumps(_Payload(str(marker)), protocol=protocol)
    path = _write(tmp_path / name, data)  # gzipped for a .gz name
    calls = [lambda: MergeableKeyedVectors.load(str(path)), lambda: MergeableFastTextKeyedVectors.load(str(path)),
             lambda: load_vectors(path, allow_pickle=True)]
    for call in calls:
        # protocol 0 has no magic number: detection cannot tell it is a pickle, and refuses it as unknown
        expected = (GensimMergeError, r"cannot tell the format") if protocol == 0 else (
            PickleNotAllowedError, r"named as .* never unpickled.*rename it to \.kv")
        with pytest.raises(expected[0], match=expected[1]):
            call()
    assert not marker.exists()


@pytest.mark.parametrize("name", ["m.txt", "m.vec", "m.bin", "m.txt.gz"])
def test_load_reads_back_what_save_wrote_under_a_word2vec_name(tmp_path, rng, name):
    kv = MergeableKeyedVectors(4)
    kv.add_vectors([f"w{i}" for i in range(30)], rng.standard_normal((30, 4)).astype(np.float32))
    kv.save(str(tmp_path / name))
    loaded = MergeableKeyedVectors.load(str(tmp_path / name))
    assert isinstance(loaded, MergeableKeyedVectors) and loaded.index_to_key == kv.index_to_key
    np.testing.assert_allclose(loaded.vectors, kv.vectors, rtol=1e-5, atol=1e-6)
    with pytest.raises(IncompatibleModelError, match="no n-gram buckets"):
        MergeableFastTextKeyedVectors.load(str(tmp_path / name))


def test_polyglots_are_named_by_detection_without_running(tmp_path):
    marker = tmp_path / "ran"
    for shape in sorted(SAFE_FOR_CLASS_LOADERS):
        path = _write(tmp_path / "x.bin", POLYGLOTS[shape](str(marker)))
        if "fastText" in shape:
            assert "fastText" in _refused(lambda path=path: detect_format(path), path)
        else:
            assert detect_format(path) == "safetensors"  # and its reader refuses it (above)
        assert not marker.exists()
    path = _write(tmp_path / "p.kv", _old_fasttext_polyglot(str(marker)))
    assert "fastText" in _refused(lambda: load_vectors(path), path)


def test_refusal_message_speaks_to_both_audiences(tmp_path, capsys):
    path = _write(tmp_path / "m.kv", _plain_pickle(str(tmp_path / "ran")))
    message = _refused(lambda: load_vectors(path), path)
    assert "allow_pickle=True" in message and "convert --allow-pickle" in message
    assert cli.main(["evaluate", path]) == 1
    err = capsys.readouterr().err
    assert "--allow-pickle" in err and "allow_pickle" not in err and "command line:" not in err
    assert "convert --allow-pickle" in err and "fmt=" not in err


# --------------------------------------------------------------------------------------------------------
# truncated fastText binaries, both header versions
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("source", [OLD_FORMAT, NEW_FORMAT])
@pytest.mark.parametrize("cut", [0.001, 0.01, 0.5, 0.999])
def test_truncated_fasttext_binaries_say_truncated(tmp_path, good, source, cut, name):
    path = _write(tmp_path / name, _truncated_fasttext(source, cut))
    compressed = name.endswith(".gz")
    for what, call in [*_library_calls(path, str(good / "corpus.txt")),
                       ("MergeableKeyedVectors.load", lambda: MergeableKeyedVectors.load(path))]:
        message = _refused(call, path)
        if not compressed and what not in ("load_vectors fmt=safetensors",):
            assert "truncated" in message, (what, message)
        assert "Unpickling" not in message and "pickle data" not in message, (what, message)


def test_header_versions_of_the_shipped_binaries():
    with open(datapath(OLD_FORMAT), "rb") as fin:
        assert struct.unpack("<2i", fin.read(8)) == (10, 5)  # old layout: vector size, window
    with open(datapath(NEW_FORMAT), "rb") as fin:
        assert struct.unpack("<2i", fin.read(8)) == (793712314, 12)
    for name in (OLD_FORMAT, NEW_FORMAT, "lee_fasttext_new.bin", "crime-and-punishment.bin"):
        assert detect_format(datapath(name)) == "fasttext-binary"


def test_a_complete_binary_with_bytes_appended_is_refused(tmp_path):
    with open(datapath(OLD_FORMAT), "rb") as fin:
        data = fin.read()
    path = _write(tmp_path / "x.bin", data + pickle.dumps(_Payload(str(tmp_path / "ran")), protocol=2))
    assert "past the end" in _refused(lambda: load_vectors(path), path)
    assert not (tmp_path / "ran").exists()


def test_missing_fasttext_file_is_file_not_found(tmp_path):
    for call in (MergeableFastTextKeyedVectors.load, MergeableKeyedVectors.load,
                 MergeableFastTextKeyedVectors.from_facebook):
        with pytest.raises(ModelFileNotFoundError):
            call(str(tmp_path / "missing.wv"))


# --------------------------------------------------------------------------------------------------------
# lying word2vec headers
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", LYING)
def test_lying_word2vec_headers(tmp_path, good, rng, kind, name):
    data, says = _lying_word2vec(kind, rng)
    path = _write(tmp_path / name, data)
    start = time.perf_counter()
    message = _refused(lambda: load_vectors(path), path)
    assert time.perf_counter() - start < 5
    for words in says:
        assert words in message, (kind, message)
    assert cli.main(["convert", path, str(tmp_path / "o.safetensors")]) == 1
    assert not (tmp_path / "o.safetensors").exists()


@pytest.mark.parametrize("binary", [False, True])
def test_class_loader_checks_the_header_too(tmp_path, rng, binary):
    records = _binary_records(50, 3, rng) if binary else _text_records(50, 3, rng).encode()
    path = _write(tmp_path / "v.bin", f"{10**12} 3\n".encode() + records)
    with pytest.raises(ModelFileError, match="at most"):
        MergeableKeyedVectors.load_word2vec_format(path, binary=binary)
    with pytest.raises(ModelFileError, match="more records"):
        MergeableKeyedVectors.load_word2vec_format(_write(tmp_path / "w.bin", b"10 3\n" + records), binary=binary)
    assert len(MergeableKeyedVectors.load_word2vec_format(path.replace("v.bin", "w.bin"), binary=binary,
                                                          limit=10)) == 10  # limit reads the first on purpose


def test_honest_files_still_load(tmp_path, rng):
    text = _text_records(50, 3, rng)
    kv = load_vectors(_write(tmp_path / "ok.txt", ("50 3\n" + text).encode()))
    assert len(kv) == 50 and kv.vector_size == 3
    kv = load_vectors(_write(tmp_path / "ok.bin", b"50 3\n" + _binary_records(50, 3, rng)))
    assert len(kv) == 50
    kv = load_vectors(_write(tmp_path / "ok.txt.gz", ("50 3\n" + text).encode()))
    assert len(kv) == 50


def test_progress_is_logged_on_a_slow_load(tmp_path, rng, caplog, monkeypatch):
    from gensim_merge import _files

    monkeypatch.setattr(_files, "PROGRESS_SECONDS", 0.0)
    path = _write(tmp_path / "big.txt", (f"{9000} 3\n" + _text_records(9000, 3, rng)).encode())
    with caplog.at_level("INFO", logger="gensim_merge._files"):
        assert len(load_vectors(path)) == 9000
    assert any("of 9000 words" in record.getMessage() for record in caplog.records)


# --------------------------------------------------------------------------------------------------------
# the worst case, measured in a fresh process; and the real command
def test_worst_lying_header_is_fast_and_small(tmp_path, rng):
    path = _write(tmp_path / "huge.txt", (f"{10**12} 300\n" + _text_records(10, 300, rng)).encode())
    code = ("import resource, sys, time; from gensim_merge import load_vectors, GensimMergeError\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; t = time.perf_counter()\n"
            "try:\n    load_vectors(sys.argv[1])\nexcept GensimMergeError as e:\n    ok = 'at most' in str(e)\n"
            "print(ok, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, env=env, check=True)
    ok, seconds, grown_kib = done.stdout.split()
    assert ok == "True" and float(seconds) < 2 and int(grown_kib) < 50_000, done.stdout


@pytest.mark.parametrize("shape", ["old-fastText polyglot + KeyedVectors", "safetensors polyglot"])
def test_real_command_refuses_polyglots(tmp_path, shape):
    marker = tmp_path / "ran"
    path = _write(tmp_path / "x.safetensors", POLYGLOTS[shape](str(marker)))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "gensim_merge", "convert", "--allow-pickle", path,
                           str(tmp_path / "o.safetensors")], capture_output=True, text=True, env=env, timeout=300,
                          check=False)
    assert done.returncode == 1 and "x.safetensors" in done.stderr and not marker.exists(), done.stderr


def test_continue_from_a_path_needs_the_switch(tmp_path):
    path = str(tmp_path / "m.model")
    Word2Vec(common_texts, vector_size=4, min_count=1, workers=1, seed=1, epochs=1).save(path)
    with pytest.raises(PickleNotAllowedError, match="allow_pickle=True"):
        MergeableKeyedVectors.continue_from(path, common_texts, epochs=1)
    assert len(MergeableKeyedVectors.continue_from(path, common_texts, epochs=1, allow_pickle=True)) > 0
# --------------------------------------------------------------------------------------------------------------
# from test_hostile_safetensors.py
# --------------------------------------------------------------------------------------------------------------


_DTYPES = {"<f2": "F16", "<f4": "F32", "<f8": "F64", "<i4": "I32", "<i8": "I64", "|u1": "U8", "|b1": "BOOL",
           "<u8": "U64"}


def _base(fasttext=False):
    """name -> array (or (dtype string, shape, raw bytes)) and the header metadata of a valid file."""
    keys = ["cat", "dog", "café"]
    blob = "".join(keys).encode("utf8")
    tensors = {
        "vectors": np.arange(12, dtype=np.float32).reshape(3, 4) / 10,
        "keys.utf8": np.frombuffer(blob, dtype=np.uint8),
        "keys.offsets": np.array([0, 3, 6, len(blob)], dtype=np.int64),
        "attr.count": np.array([30, 20, 10], dtype=np.int64),
    }
    meta = {"attributes": ["count"], "lifecycle_events": [], "sources": [], "alignment": None, "merge_report": None}
    if fasttext:
        tensors["fasttext.vectors_vocab"] = tensors["vectors"] * 2
        tensors["fasttext.vectors_ngrams"] = np.ones((5, 4), dtype=np.float32)
        meta["fasttext"] = {"min_n": 3, "max_n": 6, "bucket": 5}
    header = {"format": "gensim-merge-vectors", "format_version": "1", "gensim_merge": json.dumps(meta)}
    return tensors, header


def _raw(value):
    if isinstance(value, tuple):
        return value
    return _DTYPES[value.dtype.str], list(value.shape), value.tobytes()


def _write_hostile_safetensors(path, tensors, header, *, edit_header=None, cut=None, header_bytes=None):
    """Write a safetensors file by hand (the package's writer refuses most of these)."""
    specs, data = {}, b""
    for name, value in tensors.items():
        dtype, shape, raw = _raw(value)
        specs[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if header is not None:
        specs["__metadata__"] = header
    if edit_header is not None:
        edit_header(specs)
    text = header_bytes if header_bytes is not None else json.dumps(specs).encode("utf8")
    content = struct.pack("<Q", len(text)) + text + data
    path.write_bytes(content if cut is None else content[:cut(len(text))])
    return path


def _meta(fasttext=False, **changes):
    tensors, header = _base(fasttext)
    meta = json.loads(header["gensim_merge"])
    meta.update(changes)
    header["gensim_merge"] = json.dumps(meta)
    return tensors, header


def _with(fasttext=False, **replace):
    tensors, header = _base(fasttext)
    for name, value in replace.items():
        name = name.replace("__", ".")
        if value is None:
            tensors.pop(name)
        else:
            tensors[name] = value
    return tensors, header


def _ft_meta(entry):
    tensors, header = _base(fasttext=True)
    meta = json.loads(header["gensim_merge"])
    meta["fasttext"] = entry
    header["gensim_merge"] = json.dumps(meta)
    return tensors, header


_BF16 = ("BF16", [3, 4], b"\x00" * 24)
_F8 = ("F8_E4M3", [3, 4], b"\x00" * 12)
#: name -> (function writing the file at a path, substring the message must hold)
CASES = {
    "header length beyond the file": (
        lambda p: _write_hostile_safetensors(p, *_base(), cut=lambda n: 8 + n // 2),
        "truncated",
    ),
    "cut inside the data": (lambda p: _write_hostile_safetensors(p, *_base(), cut=lambda n: 8 + n + 10), "truncated"),
    "cut inside a fastText bucket": (
        lambda p: _write_hostile_safetensors(p, *_base(True), cut=lambda n: 8 + n + 200),
        "truncated",
    ),
    "header not JSON": (lambda p: _write_hostile_safetensors(p, *_base(), header_bytes=b"{not json at all}"), "JSON"),
    "header not UTF-8": (lambda p: _write_hostile_safetensors(p, *_base(), header_bytes=b'{"\xff\xfe": 1}'), "JSON"),
    "header spec not an object": (
        lambda p: _write_hostile_safetensors(p, *_base(), edit_header=lambda s: s.update(vectors=7)),
        "vectors",
    ),
    "header spec without dtype": (
        lambda p: _write_hostile_safetensors(p, *_base(), edit_header=lambda s: s["vectors"].pop("dtype")),
        "vectors",
    ),
    "negative shape": (
        lambda p: _write_hostile_safetensors(p, *_base(), edit_header=lambda s: s["vectors"].update(shape=[-3, 4])),
        "vectors",
    ),
    "bool shape": (
        lambda p: _write_hostile_safetensors(p, *_base(), edit_header=lambda s: s["vectors"].update(shape=[True, 4])),
        "vectors",
    ),
    "data_offsets not matching the shape": (
        lambda p: _write_hostile_safetensors(p, *_base(), edit_header=lambda s: s["vectors"].update(shape=[2, 4])),
        "bytes",
    ),
    "three data_offsets": (
        lambda p: _write_hostile_safetensors(p, *_base(), edit_header=lambda s: s["vectors"]["data_offsets"].append(9)),
        "vectors",
    ),
    "__metadata__ not a mapping": (
        lambda p: _write_hostile_safetensors(p, _base()[0], ["gensim-merge-vectors"]),
        "__metadata__",
    ),
    "__metadata__ values not strings": (
        lambda p: _write_hostile_safetensors(p, _base()[0], {"format": 1}),
        "__metadata__",
    ),
    "no __metadata__": (lambda p: _write_hostile_safetensors(p, _base()[0], None), "format"),
    "another format": (lambda p: _write_hostile_safetensors(p, _base()[0], {"format": "pt"}), "format"),
    "another format_version": (
        lambda p: _write_hostile_safetensors(p, _base()[0], {"format": "gensim-merge-vectors", "format_version": "9"}),
        "version",
    ),
    "gensim_merge metadata not JSON": (
        lambda p: _write_hostile_safetensors(
            p, _base()[0], {"format": "gensim-merge-vectors", "format_version": "1", "gensim_merge": "{oops"}
        ),
        "JSON",
    ),
    "gensim_merge metadata a list": (
        lambda p: _write_hostile_safetensors(
            p, _base()[0], {"format": "gensim-merge-vectors", "format_version": "1", "gensim_merge": "[1, 2]"}
        ),
        "metadata",
    ),
    "attribute names not a list": (lambda p: _write_hostile_safetensors(p, *_meta(attributes="count")), "attribute"),
    "attribute names not strings": (lambda p: _write_hostile_safetensors(p, *_meta(attributes=[1])), "attribute"),
    "attribute listed, tensor missing": (
        lambda p: _write_hostile_safetensors(p, *_meta(attributes=["count", "freq"])),
        "freq",
    ),
    "attribute of the wrong length": (
        lambda p: _write_hostile_safetensors(p, *_with(attr__count=np.arange(5))),
        "count",
    ),
    "attribute in BF16": (
        lambda p: _write_hostile_safetensors(p, *_with(attr__count=("BF16", [3], b"\x00" * 6))),
        "BF16",
    ),
    "lifecycle_events not a list": (
        lambda p: _write_hostile_safetensors(p, *_meta(lifecycle_events={"a": 1})),
        "lifecycle",
    ),
    "incomplete alignment": (
        lambda p: _write_hostile_safetensors(p, *_meta(alignment={"method": "orthogonal"})),
        "metadata",
    ),
    "alignment a string": (lambda p: _write_hostile_safetensors(p, *_meta(alignment="orthogonal")), "metadata"),
    "incomplete merge report": (
        lambda p: _write_hostile_safetensors(p, *_meta(merge_report={"strategy": "count"})),
        "metadata",
    ),
    "sources a number": (lambda p: _write_hostile_safetensors(p, *_meta(sources=5)), "metadata"),
    "BF16 vectors": (lambda p: _write_hostile_safetensors(p, *_with(vectors=_BF16)), "BF16"),
    "F8 vectors": (lambda p: _write_hostile_safetensors(p, *_with(vectors=_F8)), "F8_E4M3"),
    "int32 vectors": (
        lambda p: _write_hostile_safetensors(p, *_with(vectors=np.arange(12, dtype=np.int32).reshape(3, 4))),
        "int32",
    ),
    "int64 vectors": (
        lambda p: _write_hostile_safetensors(p, *_with(vectors=np.arange(12, dtype=np.int64).reshape(3, 4))),
        "int64",
    ),
    "uint8 vectors": (
        lambda p: _write_hostile_safetensors(p, *_with(vectors=np.arange(12, dtype=np.uint8).reshape(3, 4))),
        "uint8",
    ),
    "bool vectors": (lambda p: _write_hostile_safetensors(p, *_with(vectors=np.ones((3, 4), dtype=bool))), "bool"),
    "1-D vectors": (lambda p: _write_hostile_safetensors(p, *_with(vectors=np.ones(3, dtype=np.float32))), "2-D"),
    "3-D vectors": (
        lambda p: _write_hostile_safetensors(p, *_with(vectors=np.ones((3, 4, 1), dtype=np.float32))),
        "2-D",
    ),
    "no vectors": (lambda p: _write_hostile_safetensors(p, *_with(vectors=None)), "vectors"),
    "no keys blob": (lambda p: _write_hostile_safetensors(p, *_with(keys__utf8=None)), "keys.utf8"),
    "no key offsets": (lambda p: _write_hostile_safetensors(p, *_with(keys__offsets=None)), "keys.offsets"),
    "more rows than keys": (
        lambda p: _write_hostile_safetensors(p, *_with(vectors=np.ones((4, 4), dtype=np.float32))),
        "keys",
    ),
    "fewer rows than keys": (
        lambda p: _write_hostile_safetensors(p, *_with(vectors=np.ones((2, 4), dtype=np.float32))),
        "keys",
    ),
    "offsets beyond the blob": (
        lambda p: _write_hostile_safetensors(p, *_with(keys__offsets=np.array([0, 3, 6, 99]))),
        "keys",
    ),
    "offsets decreasing": (
        lambda p: _write_hostile_safetensors(p, *_with(keys__offsets=np.array([0, 6, 3, 10]))),
        "keys",
    ),
    "offsets not starting at 0": (
        lambda p: _write_hostile_safetensors(p, *_with(keys__offsets=np.array([1, 3, 6, 10]))),
        "keys",
    ),
    "offsets as floats": (
        lambda p: _write_hostile_safetensors(p, *_with(keys__offsets=np.array([0, 3, 6, 10], dtype="<f8"))),
        "keys",
    ),
    "offsets 2-D": (lambda p: _write_hostile_safetensors(p, *_with(keys__offsets=np.array([[0, 3], [6, 10]]))), "keys"),
    "keys blob as int32": (
        lambda p: _write_hostile_safetensors(p, *_with(keys__utf8=np.zeros(10, dtype=np.int32))),
        "keys",
    ),
    "keys not UTF-8": (
        lambda p: _write_hostile_safetensors(
            p, *_with(keys__utf8=np.frombuffer(b"cat\xffog" + b"caf\xc3\xa9", dtype=np.uint8))
        ),
        "UTF-8",
    ),
    "fastText entry not a mapping": (lambda p: _write_hostile_safetensors(p, *_ft_meta([3, 6, 5])), "fasttext"),
    "fastText bucket missing": (lambda p: _write_hostile_safetensors(p, *_ft_meta({"min_n": 3, "max_n": 6})), "bucket"),
    "fastText bucket negative": (
        lambda p: _write_hostile_safetensors(p, *_ft_meta({"min_n": 3, "max_n": 6, "bucket": -5})),
        "bucket",
    ),
    "fastText bucket a bool": (
        lambda p: _write_hostile_safetensors(p, *_ft_meta({"min_n": 3, "max_n": True, "bucket": 5})),
        "max_n",
    ),
    "fastText bucket a string": (
        lambda p: _write_hostile_safetensors(p, *_ft_meta({"min_n": "3", "max_n": 6, "bucket": 5})),
        "min_n",
    ),
    "fastText buckets missing": (
        lambda p: _write_hostile_safetensors(p, *_with(True, fasttext__vectors_ngrams=None)),
        "vectors_ngrams",
    ),
    "fastText word tokens missing": (
        lambda p: _write_hostile_safetensors(p, *_with(True, fasttext__vectors_vocab=None)),
        "vectors_vocab",
    ),
    "fastText buckets not matching bucket": (
        lambda p: _write_hostile_safetensors(
            p, *_with(True, fasttext__vectors_ngrams=np.ones((4, 4), dtype=np.float32))
        ),
        "vectors_ngrams",
    ),
    "fastText buckets of another width": (
        lambda p: _write_hostile_safetensors(
            p, *_with(True, fasttext__vectors_ngrams=np.ones((5, 3), dtype=np.float32))
        ),
        "vectors_ngrams",
    ),
    "fastText word tokens of other rows": (
        lambda p: _write_hostile_safetensors(
            p, *_with(True, fasttext__vectors_vocab=np.ones((2, 4), dtype=np.float32))
        ),
        "vectors_vocab",
    ),
    "fastText buckets as integers": (
        lambda p: _write_hostile_safetensors(p, *_with(True, fasttext__vectors_ngrams=np.ones((5, 4), dtype=np.int32))),
        "vectors_ngrams",
    ),
    "fastText buckets in BF16": (
        lambda p: _write_hostile_safetensors(p, *_with(True, fasttext__vectors_ngrams=("BF16", [5, 4], b"\x00" * 40))),
        "BF16",
    ),
    "fastText int vectors": (
        lambda p: _write_hostile_safetensors(p, *_with(True, vectors=np.arange(12, dtype=np.int32).reshape(3, 4))),
        "int32",
    ),
}
#: Cases whose file is whole but whose metadata is broken: each again inside a fastText file.
_METADATA_CASES = {
    "attribute names not a list": {"attributes": "count"},
    "attribute names not strings": {"attributes": [1]},
    "attribute listed, tensor missing": {"attributes": ["count", "freq"]},
    "lifecycle_events not a list": {"lifecycle_events": {"a": 1}},
    "incomplete alignment": {"alignment": {"method": "orthogonal"}},
    "alignment a string": {"alignment": "orthogonal"},
    "incomplete merge report": {"merge_report": {"strategy": "count"}},
    "sources a number": {"sources": 5},
}
_RESTORED_CASES = ("incomplete alignment", "alignment a string", "incomplete merge report", "sources a number")
for _name, _changes in _METADATA_CASES.items():
    CASES[f"fastText: {_name}"] = (
        lambda p, c=_changes: _write_hostile_safetensors(p, *_meta(True, **c)),
        CASES[_name][1],
    )

LOADERS = {
    "load_vectors": lambda path: load_vectors(path),
    "load_vectors mmap": lambda path: load_vectors(path, mmap="r"),
    "load_vectors fmt": lambda path: load_vectors(path, fmt="safetensors"),
    "MergeableKeyedVectors.load": lambda path: MergeableKeyedVectors.load(path),
    "MergeableFastTextKeyedVectors.load": lambda path: MergeableFastTextKeyedVectors.load(path),
    "MergeableFastTextKeyedVectors.load mmap": lambda path: MergeableFastTextKeyedVectors.load(path, mmap="r"),
}


@pytest.fixture
def no_pickle(monkeypatch):
    """Any attempt to unpickle fails the test (it would not be caught as a file error)."""
    def forbidden(*args, **kwargs):
        raise AssertionError("a safetensors file was handed to the unpickler")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)


@pytest.mark.parametrize("loader", list(LOADERS))
@pytest.mark.parametrize("case", list(CASES))
def test_every_hostile_file_gets_the_package_error_naming_the_file(tmp_path, no_pickle, case, loader):
    write, expected = CASES[case]
    path = str(write(tmp_path / "hostile.safetensors"))
    if case in _RESTORED_CASES and loader.startswith("MergeableFastText"):
        # a readable word2vec file is refused by the fastText loader before its metadata is restored (its
        # fastText twin is a case too)
        expected, error = "word2vec vectors", IncompatibleModelError
    else:
        error = ModelFileError
    with pytest.raises(error) as caught:
        LOADERS[loader](path)
    message = str(caught.value)
    assert path in message
    assert expected.lower() in message.lower(), message


@pytest.mark.parametrize("name", ["hostile.safetensors", "hostile.kv", "hostile.txt", "hostile"])
def test_a_header_length_beyond_the_file_says_truncated_under_any_name(tmp_path, no_pickle, name):
    path = str(_write_hostile_safetensors(tmp_path / name, *_base(), cut=lambda n: 8 + n - 1))
    with pytest.raises(ModelFileError, match="truncated"):
        load_vectors(path)
    with pytest.raises(ModelFileError, match="truncated"):
        MergeableKeyedVectors.load(path)


def test_duplicate_keys_are_the_package_error_naming_the_file(tmp_path, no_pickle):
    blob = b"catcatdog"
    path = str(
        _write_hostile_safetensors(
            tmp_path / "dup.safetensors",
            *_with(keys__utf8=np.frombuffer(blob, dtype=np.uint8), keys__offsets=np.array([0, 3, 6, 9])),
        )
    )
    for load in LOADERS.values():
        with pytest.raises(DuplicateKeyError, match="more than once") as caught:
            load(path)
        assert path in str(caught.value)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("fasttext", [False, True])
def test_the_crafted_base_file_and_every_float_dtype_load(tmp_path, no_pickle, dtype, fasttext):
    """The crafted files are valid before they are broken: the cases above fail for the broken part."""
    tensors, header = _base(fasttext)
    tensors["vectors"] = tensors["vectors"].astype(dtype)
    path = str(_write_hostile_safetensors(tmp_path / "good.safetensors", tensors, header))
    for mmap in (None, "r"):
        kv = load_vectors(path, mmap=mmap)
        assert kv.index_to_key == ["cat", "dog", "café"] and kv.vectors.dtype == dtype
        np.testing.assert_array_equal(kv.vectors, tensors["vectors"])
        assert isinstance(kv, MergeableFastTextKeyedVectors) == fasttext
    if fasttext:
        kv = MergeableFastTextKeyedVectors.load(path)
        np.testing.assert_array_equal(kv.vectors_ngrams, tensors["fasttext.vectors_ngrams"])
        assert kv.get_vector("unseen").shape == (4,)
