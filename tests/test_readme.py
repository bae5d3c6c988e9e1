"""The README runs as written.

A user pastes the README's code in order into an empty folder; so does this test. Every ```python block runs,
in order, in one namespace, in a temporary working directory (the first block trains two small models on
gensim's Lee corpus and writes the files the others use). Then every command line of the ```bash blocks runs on
those files, through ``gensim_merge.cli.main`` in this process (what the installed ``gensim-merge`` command
calls; ``test_cli`` runs the installed command itself), and must exit 0.

Not run: the set-up commands (``pip install . && gensim-merge demo``, ``pip install ".[test]" && python -m pytest
...``), which install the package and run this suite, and ``gensim-merge demo``, which takes half a minute
(``test_demo`` runs it).
"""

from __future__ import annotations

import re
import shlex
import warnings
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
CHANGELOG = README.parent / "CHANGELOG.md"
#: Command lines of the README that are not run here (see the module docstring).
NOT_RUN = ("pip install ", "gensim-merge demo")
#: What the tour must keep showing, each in some ```python block.
TOUR_API = ("MergeableKeyedVectors.load(", ".align_to(", "alignment.save(", ".apply_alignment(Alignment.load(",
            ".merge_with(", ".provenance(", ".words_from(", "continue_from(", "members=", "new_model=",
            ".estimates(", ".ensemble(", "load_vectors(", "save_vectors(", "MergeableFastTextKeyedVectors",
            "closeness(")
#: Words about how the project was made, and paths of a build machine, that users' docs must not carry.
NOT_FOR_USERS = re.compile(r"\bsessions?\b|\bissues?\b|\bhelpers?\b|\bbriefs?\b|/tmp/|/work/|/home/", re.IGNORECASE)


def fenced_blocks(text: str) -> list[tuple[str, int, str]]:
    """``(language, line number, code)`` of every fenced block of a Markdown text, in order."""
    blocks = []
    for match in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
        blocks.append((match.group(1), text.count("\n", 0, match.start()) + 2, match.group(2)))
    return blocks


def command_lines(code: str) -> list[str]:
    """The command lines of a shell block: continuation lines joined, comments and blank lines dropped."""
    lines = []
    for line in code.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words:
            lines.append(shlex.join(words))
    return lines


def test_fenced_blocks_and_command_lines_are_read_as_written():
    text = "intro\n```python\nx = 1\n```\n\n```bash\ngensim-merge a b \\\n    -o c  # note\n\npip install .\n```\n"
    blocks = fenced_blocks(text)
    assert blocks == [("python", 3, "x = 1\n"), ("bash", 7, "gensim-merge a b \\\n    -o c  # note\n\npip install .\n")]
    assert command_lines(blocks[1][2]) == ["gensim-merge a b -o c", "pip install ."]


def test_every_bash_line_is_a_set_up_command_or_a_gensim_merge_command():
    for language, line, code in fenced_blocks(README.read_text(encoding="utf-8")):
        if language == "bash":
            for command in command_lines(code):
                assert command.startswith(("pip install ", "gensim-merge ")), f"README.md:{line}: {command}"


def test_the_tour_shows_the_whole_api():
    python = "\n".join(code for language, _, code in fenced_blocks(README.read_text(encoding="utf-8"))
                       if language == "python")
    missing = [name for name in TOUR_API if name not in python]
    assert not missing, f"the README's python blocks no longer show {missing}"


@pytest.mark.parametrize("path", [README, CHANGELOG], ids=lambda p: p.name)
def test_docs_speak_of_the_project_only(path):
    found = [(n, line) for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if NOT_FOR_USERS.search(line)]
    assert not found, f"{path.name}: {found}"


def test_readme_runs_as_written(tmp_path, monkeypatch, run_main):
    monkeypatch.chdir(tmp_path)
    blocks = fenced_blocks(README.read_text(encoding="utf-8"))
    assert sum(language == "python" for language, _, _ in blocks) >= 3
    namespace: dict = {"__name__": "__readme__"}
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        for language, line, code in blocks:
            if language == "python":
                exec(compile(code, f"README.md, block at line {line}", "exec"), namespace)  # noqa: S102
    # the tour says that the two-language fit (20 pairs, 300 dimensions) warns
    assert any("underdetermined" in str(w.message) for w in seen)
    # what the tour's comments say these calls return
    assert type(namespace["plain"]) is namespace["KeyedVectors"]  # gensim's own class, not ours
    assert namespace["merged"].provenance("shuttle") == ["new"]
    assert namespace["continued"].estimates("shuttle") == 3
    assert namespace["continued"].provenance("shuttle")[0] == "continued (seed 1)"
    assert all("spaceshuttles" not in namespace[ft].key_to_index for ft in ("ft_old", "ft_new"))
    ran = 0
    for language, line, code in blocks:
        if language != "bash":
            continue
        for command in command_lines(code):
            if command.startswith(NOT_RUN):
                continue
            words = shlex.split(command)
            status, out, err = run_main(*words[1:])
            assert status == 0, f"README.md:{line}: {command}\n{out}\n{err}"
            if "-o" in words:
                assert (tmp_path / words[words.index("-o") + 1]).exists(), f"README.md:{line}: {command}"
            ran += 1
    assert ran >= 8, "the README's command lines were not found"
