"""Rebuild the two benchmark corpora, ``tech.txt.gz`` and ``general.txt.gz``, from their public sources.

The sources are Debian packages (computing documentation and dictionaries for ``tech``; a general dictionary
and WordNet for ``general``). Each is downloaded with ``apt-get download`` (no root, nothing installed),
unpacked with ``dpkg-deb -x``, and its text extracted: HTML pages and groff manual pages one paragraph per
line, dictd dictionaries one paragraph of a definition per line, WordNet one synset (its words and gloss) per
line. Every line is tokenised with ``gensim.utils.simple_preprocess`` defaults (min_len=2, max_len=15,
deacc=False), lines of fewer than 3 tokens are dropped, the lines of a corpus are shuffled with
``random.Random(12345)`` and written gzip-compressed, one space-separated line per paragraph.

The exact token counts depend on the package versions apt offers (Debian updates the documentation packages
with each point release); the figures in ``benchmarks/RESULTS.md`` were measured on corpora built from the
versions listed in ``benchmarks/corpora/README.md``.

Usage (from the repository root; needs a Debian or Ubuntu system with apt-get and dpkg-deb)::

    python -m benchmarks.corpora.build_corpora                     # both corpora into benchmarks/corpora/
    python -m benchmarks.corpora.build_corpora --output-dir DIR    # elsewhere (then GENSIM_MERGE_CORPORA=DIR)
    python -m benchmarks.corpora.build_corpora --sources dict-jargon --output-dir DIR   # one source, a check
"""

import argparse
import gzip
import html.parser
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gensim.utils import simple_preprocess

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SEED = 12345
MIN_TOKENS = 3


@dataclass(frozen=True)
class Source:
    """One Debian package and how its text is found and read."""

    corpus: str
    package: str
    kind: str  # "html", "groff", "dictd" or "wordnet"
    pattern: str  # glob under the unpacked package
    exclude: str = ""  # a path part that excludes a file (e.g. translations)


SOURCES = (
    Source("tech", "python3.11-doc", "html", "usr/share/doc/python3.11/html/**/*.html"),
    Source("tech", "linux-doc-6.1", "html", "usr/share/doc/linux-doc-6.1/html/**/*.html", exclude="translations"),
    Source("tech", "postgresql-doc-15", "html", "usr/share/doc/postgresql-doc-15/html/**/*.html"),
    Source("tech", "debian-handbook", "html", "usr/share/debian-handbook/html/en-US/**/*.html"),
    Source("tech", "debian-reference-en", "html", "usr/share/debian-reference/*.en.html"),
    Source("tech", "manpages", "groff", "usr/share/man/man*/*.gz"),
    Source("tech", "manpages-dev", "groff", "usr/share/man/man*/*.gz"),
    Source("tech", "dict-foldoc", "dictd", "usr/share/dictd/foldoc.index"),
    Source("tech", "dict-jargon", "dictd", "usr/share/dictd/jargon.index"),
    Source("general", "dict-gcide", "dictd", "usr/share/dictd/gcide.index"),
    Source("general", "wordnet-base", "wordnet", "usr/share/wordnet/data.*"),
)


def main(argv=None):
    """Command-line entry point: download, extract, tokenise, shuffle and write the corpora."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    wanted = set(args.sources or [s.package for s in SOURCES])
    unknown = wanted - {s.package for s in SOURCES}
    if unknown:
        raise SystemExit(f"unknown source(s) {sorted(unknown)}; choose from {[s.package for s in SOURCES]}")
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} not found: this script needs a Debian or Ubuntu system (apt-get, dpkg-deb)")
    args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gensim-merge-corpora-") as tmp:
        work = Path(args.work_dir) if args.work_dir else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for corpus in ("tech", "general"):
            sources = [s for s in SOURCES if s.corpus == corpus and s.package in wanted]
            if not sources:
                continue
            lines = []
            for source in sources:
                root = _download_and_unpack(source.package, work)
                found = [tuple(tokens) for tokens in _read_source(source, root)]
                n_tokens = sum(len(t) for t in found)
                logger.info("%s: %d lines, %d tokens (%s)", source.package, len(found), n_tokens,
                            _version(source.package, work))
                lines.extend(found)
            random.Random(SEED).shuffle(lines)
            path = args.output_dir / f"{corpus}.txt.gz"
            _write_gzip_atomically(path, lines)
            logger.info("wrote %s: %d lines, %d tokens", path, len(lines), sum(len(t) for t in lines))


# --- private helpers -------------------------------------------------------------------------------------------

def _parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = os.environ.get("GENSIM_MERGE_CORPORA") or HERE
    parser.add_argument("--output-dir", type=Path, default=Path(default),
                        help="folder for tech.txt.gz and general.txt.gz (default: $GENSIM_MERGE_CORPORA, "
                             "else benchmarks/corpora/)")
    parser.add_argument("--work-dir", help="folder for the downloaded and unpacked packages (default: a "
                                           "temporary folder, removed at the end); kept when given")
    parser.add_argument("--sources", nargs="+", metavar="PACKAGE",
                        help="only these packages (a partial corpus, for a check); default: all of them")
    return parser.parse_args(argv)


def _download_and_unpack(package, work):
    """Download ``package`` with apt-get (into ``work``) and unpack it; return the unpacked root."""
    root = work / package
    if root.is_dir():
        return root
    subprocess.run(["apt-get", "download", package], cwd=work, check=True)
    debs = sorted(work.glob(f"{package}_*.deb"))
    if not debs:
        raise SystemExit(f"apt-get download {package} left no .deb file in {work}")
    subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(root)], check=True)
    return root


def _version(package, work):
    debs = sorted(work.glob(f"{package}_*.deb"))
    return debs[-1].name.split("_")[1] if debs else "version unknown"


def _read_source(source, root):
    """Token lists (at least MIN_TOKENS tokens each) of one unpacked package."""
    files = sorted(p for p in root.glob(source.pattern)
                   if p.is_file() and not p.is_symlink() and (not source.exclude or source.exclude not in p.parts))
    if not files:
        raise SystemExit(f"{source.package}: no file matches {source.pattern}")
    reader = {"html": _html_paragraphs, "groff": _groff_paragraphs, "dictd": _dictd_paragraphs,
              "wordnet": _wordnet_paragraphs}[source.kind]
    for path in files:
        for paragraph in reader(path):
            tokens = simple_preprocess(paragraph)
            if len(tokens) >= MIN_TOKENS:
                yield tokens


def _write_gzip_atomically(path, lines):
    tmp = path.with_name(path.name + ".part")
    with gzip.open(tmp, "wt", encoding="utf-8") as handle:
        for tokens in lines:
            handle.write(" ".join(tokens) + "\n")
    os.replace(tmp, path)


class _HTMLText(html.parser.HTMLParser):
    """Text of an HTML page, one block element (paragraph, list item, cell, heading, ...) per paragraph."""

    BLOCKS = frozenset({"p", "div", "li", "dd", "dt", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
              "blockquote", "br", "table", "ul", "ol", "dl", "section", "title", "caption", "figcaption"})
    SKIP = frozenset({"script", "style", "head"})

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.paragraphs, self._current, self._skip = [], [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        if not self._skip:
            self._current.append(data)

    def close(self):
        super().close()
        self._flush()

    def _flush(self):
        text = " ".join("".join(self._current).split())
        if text:
            self.paragraphs.append(text)
        self._current = []


def _html_paragraphs(path):
    parser = _HTMLText()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    parser.close()
    return parser.paragraphs


_GROFF_BREAKS = re.compile(r"^\.(PP|P|LP|SH|SS|TP|IP|HP|sp|br|RS|RE|EX|EE|nf|fi|TH|in|TQ|PD|ad|na)\b")
_GROFF_TEXT_MACROS = re.compile(r"^\.(B|I|BI|BR|IB|IR|RB|RI|SM|SB|UR|MT|Nm|Ar|Fl|Xr)\s+")
_GROFF_ESCAPES = re.compile(r"\\f(\[[^]]*\]|\(..|.)|\\\*(\[[^]]*\]|\(..|.)|\\\((..)|\\\[[^]]*\]|\\[&%|^/,:c!e-]")


def _groff_paragraphs(path):
    """Paragraphs of a groff manual page: requests dropped, text macros' words kept, escapes removed."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        source = handle.read()
    if source.startswith(".so "):  # a link to another page: counted there
        return []
    paragraphs, current = [], []
    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"", '\\"')):
            continue
        if not line.strip() or _GROFF_BREAKS.match(line):
            if current:
                paragraphs.append(" ".join(" ".join(current).split()))
            current = []
            if _GROFF_BREAKS.match(line):
                rest = line.split(None, 1)[1:]  # .SH NAME, .TP labels ... keep their words
                if rest and not line.startswith((".TH", ".in", ".sp", ".PD", ".RS")):
                    paragraphs.append(rest[0].replace('"', " "))
            continue
        match = _GROFF_TEXT_MACROS.match(line)
        if match:
            line = line[match.end():].replace('"', " ")
        elif line.startswith((".", "'")):
            continue
        current.append(_GROFF_ESCAPES.sub(" ", line).replace("\\", " "))
    if current:
        paragraphs.append(" ".join(" ".join(current).split()))
    return paragraphs


_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def _dictd_number(text):
    value = 0
    for char in text:
        value = value * 64 + _B64[char]
    return value


def _dictd_paragraphs(index_path):
    """Paragraphs of every definition of a dictd dictionary (``NAME.index`` + ``NAME.dict.dz``)."""
    with gzip.open(index_path.with_suffix(".dict.dz")) as handle:  # dictzip is gzip-compatible
        data = handle.read()
    paragraphs = []
    for entry in index_path.read_text(encoding="utf-8", errors="replace").splitlines():
        fields = entry.split("\t")
        if len(fields) < 3 or fields[0].startswith("00-database") or fields[0].startswith("00database"):
            continue
        start, length = _dictd_number(fields[1]), _dictd_number(fields[2])
        text = data[start:start + length].decode("utf-8", errors="replace")
        paragraphs.extend(" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip())
    return paragraphs


def _wordnet_paragraphs(path):
    """One paragraph per WordNet synset: its words and its gloss (data.noun, data.verb, data.adj, data.adv)."""
    if path.suffix not in (".noun", ".verb", ".adj", ".adv"):
        return []
    paragraphs = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if line.startswith("  ") or "|" not in line:  # licence header
                continue
            head, gloss = line.split("|", 1)
            fields = head.split()
            n_words = int(fields[3], 16)
            words = [w.replace("_", " ") for w in fields[4:4 + 2 * n_words:2]]
            paragraphs.append(" ".join(words) + " " + gloss.strip())
    return paragraphs


if __name__ == "__main__":
    sys.exit(main())
