"""The benchmark corpora: where the benchmarks look for them, and the recipe that rebuilds them."""

import gzip
import importlib
from pathlib import Path

import pytest

fidelity = importlib.import_module("benchmarks.fidelity")
build = importlib.import_module("benchmarks.corpora.build_corpora")

REPO = Path(__file__).resolve().parents[1]


def test_corpora_folder_comes_from_the_environment_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("GENSIM_MERGE_CORPORA", str(tmp_path))
    assert fidelity._corpora_dir() == tmp_path
    args = fidelity.parse_args([])
    a, b = fidelity.corpora(args)
    assert (a.path, b.path) == (tmp_path / "tech.txt.gz", tmp_path / "general.txt.gz")


def test_corpora_folder_defaults_to_benchmarks_corpora(monkeypatch):
    monkeypatch.delenv("GENSIM_MERGE_CORPORA", raising=False)
    assert fidelity._corpora_dir() == REPO / "benchmarks" / "corpora"


def test_results_name_corpora_without_machine_paths(tmp_path):
    path = tmp_path / "tech.txt.gz"
    path.write_bytes(gzip.compress(b"one two three\n"))
    identity = fidelity.LineCorpus(path).describe()
    assert identity["path"] == str(path.resolve())  # the cache key still tells files apart
    shown = fidelity._shown(identity)
    assert shown["path"] == "tech.txt.gz" and shown["bytes"] == path.stat().st_size


def test_dictd_numbers_are_base64_digits():
    assert build._dictd_number("A") == 0
    assert build._dictd_number("B") == 1
    assert build._dictd_number("BA") == 64
    assert build._dictd_number("/") == 63


def _dictd(tmp_path, entries):
    """A dictd dictionary holding `entries` (headword -> definition text)."""
    data, index = b"", []
    for word, text in entries.items():
        raw = text.encode()
        index.append(f"{word}\t{_b64(len(data))}\t{_b64(len(raw))}")
        data += raw
    (tmp_path / "toy.index").write_text("\n".join(index) + "\n")
    (tmp_path / "toy.dict.dz").write_bytes(gzip.compress(data))
    return tmp_path / "toy.index"


def _b64(n):
    digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    out = digits[n % 64]
    while n >= 64:
        n //= 64
        out = digits[n % 64] + out
    return out


def test_dictd_definitions_give_one_line_per_paragraph(tmp_path):
    index = _dictd(
        tmp_path,
        {
            "00-database-info": "This file was converted from the original database\n",
            "kludge": (
                "kludge\n n.\n\n   A clever programming trick\n   intended to solve a problem.\n\n   See also hack.\n"
            ),
        },
    )
    paragraphs = build._dictd_paragraphs(index)
    assert paragraphs == ["kludge n.", "A clever programming trick intended to solve a problem.", "See also hack."]


def test_html_gives_one_line_per_block_and_skips_scripts(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>T</title><script>var x = 1;</script></head><body>"
                    "<h1>Getting started</h1><p>First <b>bold</b> paragraph\nover two lines.</p>"
                    "<ul><li>one item</li><li>another item</li></ul></body></html>")
    assert build._html_paragraphs(page) == ["Getting started", "First bold paragraph over two lines.",
                                            "one item", "another item"]


def test_groff_keeps_text_and_macro_words_and_drops_requests(tmp_path):
    page = tmp_path / "ls.1.gz"
    page.write_bytes(gzip.compress(
        b'.\\" a comment\n.TH LS 1\n.SH NAME\nls \\- list directory contents\n.SH DESCRIPTION\n'
        b".B ls\nlists \\fBfiles\\fR in the\ncurrent directory.\n.PP\nSecond paragraph.\n"))
    assert build._groff_paragraphs(page) == ["NAME", "ls list directory contents", "DESCRIPTION",
                                             "ls lists files in the current directory.", "Second paragraph."]
    link = tmp_path / "dir.1.gz"
    link.write_bytes(gzip.compress(b".so man1/ls.1\n"))
    assert build._groff_paragraphs(link) == []


def test_wordnet_gives_words_and_gloss_per_synset(tmp_path):
    data = tmp_path / "data.noun"
    data.write_text("  1 This software and database is being provided\n"
                    "00001740 03 n 02 entity 0 thing 0 001 ~ 00001930 n 0000 | that which is perceived\n")
    assert build._wordnet_paragraphs(data) == ["entity thing that which is perceived"]
    assert build._wordnet_paragraphs(tmp_path / "data.noun.index") == []


def test_sources_keep_lines_of_three_tokens_or_more(tmp_path):
    root = tmp_path / "pkg"
    _dictd(root_dir(root), {"a": "one two\n\nthree four five\n\nx\n"})
    source = build.Source("tech", "toy", "dictd", "usr/share/dictd/toy.index")
    assert list(build._read_source(source, root)) == [["three", "four", "five"]]


def root_dir(root):
    folder = root / "usr" / "share" / "dictd"
    folder.mkdir(parents=True)
    return folder


def test_unknown_source_is_refused_before_any_download(tmp_path):
    with pytest.raises(SystemExit, match="unknown source"):
        build.main(["--sources", "no-such-package", "--output-dir", str(tmp_path)])
    assert not list(tmp_path.iterdir())


def test_corpus_is_written_whole_and_atomically(tmp_path):
    lines = [[f"w{i}", "b", "c"] for i in range(50)]
    build._write_gzip_atomically(tmp_path / "tech.txt.gz", lines)
    with gzip.open(tmp_path / "tech.txt.gz", "rt") as handle:
        assert [line.split() for line in handle] == lines
    assert [p.name for p in tmp_path.iterdir()] == ["tech.txt.gz"]
