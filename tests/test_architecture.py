"""The layering of the package: the class on top, pure modules below (issue 12).

Read from the source with ``ast`` (imports inside functions count too): no import cycle between the package's
modules, and no module but the class's own, the command line and the demo imports the class (the package's
``__init__`` re-exports it).
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gensim_merge"
MODULES = {path.stem: path for path in PACKAGE.glob("*.py")}
#: the class module, io (the one door: it dispatches to the right class), the command line and the demo;
#: __init__ re-exports it
MAY_IMPORT_THE_CLASS = {"keyedvectors", "io", "cli", "demo", "__init__"}


def _imports(name):
    """(imported module, imported names) pairs of module `name`, wherever the import statement stands."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gensim_merge":
            parts = node.module.split(".")
            if len(parts) > 1:
                yield parts[1], [alias.name for alias in node.names]
            else:  # from gensim_merge import x: a submodule, or a name of the package
                for alias in node.names:
                    yield (alias.name if alias.name in MODULES else "__init__"), [alias.name]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "gensim_merge" and len(parts) > 1:
                    yield parts[1], []


def _graph():
    return {name: {module for module, _ in _imports(name) if module != name}
            for name in MODULES if name not in ("__init__", "__main__")}


def _cycle(graph):
    """One import cycle as a list of modules, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_no_import_cycle_between_the_packages_modules():
    assert _cycle(_graph()) is None, f"import cycle: {' -> '.join(_cycle(_graph()))}"


def test_only_the_top_imports_the_class():
    importers = sorted(name for name in MODULES for _, names in _imports(name) if "MergeableKeyedVectors" in names)
    assert set(importers) <= MAY_IMPORT_THE_CLASS, importers


@pytest.mark.parametrize("graph, cyclic", [({"a": {"b"}, "b": {"a"}}, True), ({"a": {"b"}, "b": {"c"}}, False),
                                          ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True)])
def test_the_cycle_finder_finds_cycles(graph, cyclic):
    assert (_cycle(graph) is not None) is cyclic


def test_the_import_reader_sees_imports_inside_functions():
    imported = {module for module, _ in _imports("cli")}
    assert "keyedvectors" in imported  # the commands import it inside their functions only


#: Byte-level file code (formats, safetensors, fastText files, atomic writes): it builds no model.
FILES = "_files"
#: Modules that build or dispatch to a model class, and the merge algorithm.
MODEL_CLASSES = {"keyedvectors", "fasttext", "io", "_mixins"}


def _reachable(name):
    graph, seen, todo = _graph(), set(), [name]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def test_the_word2vec_class_never_imports_the_fasttext_class():
    assert "fasttext" not in _reachable("keyedvectors")
    assert not any("MergeableFastTextKeyedVectors" in names for _, names in _imports("keyedvectors"))


def test_the_two_model_classes_are_siblings():
    assert "keyedvectors" not in _reachable("fasttext")


def test_byte_level_file_code_never_imports_a_model_class():
    assert not _reachable(FILES) & (MODEL_CLASSES | {"merging"}), sorted(_reachable(FILES))


def test_persistence_never_imports_merging():
    for name in (FILES, "_mixins"):  # the file formats, and the metadata every format stores
        assert "merging" not in _reachable(name), name
