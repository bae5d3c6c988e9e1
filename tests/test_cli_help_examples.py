"""Every example the command line's --help shows runs as written, on small files with the names it uses.

The examples are read from the help itself (each command's, and the top-level one); the files they read are made
here from gensim's Lee corpus (tiny models, one epoch), by the role the parser gives each argument.
"""

import gzip
import shlex

import pytest
from gensim.models import FastText, Word2Vec
from gensim.models.word2vec import LineSentence
from gensim.test.utils import datapath

from gensim_merge import cli
from gensim_merge.io import save_vectors

#: Arguments (argparse dests) that name a text corpus, not a model.
CORPUS_DESTS = {"corpus", "rehearsal"}
#: Arguments that name a full model (continued with its training state), not vectors.
FULL_MODEL_DESTS = {("continue", "model")}
#: Arguments that name files the command reads.
INPUT_DESTS = {"source", "target", "models", "model", "corpus", "input", "rehearsal", "reference", "floor"}


def help_examples():
    """(command, argv) of every example line in the help texts."""
    parser = cli.build_parser()
    texts = [("", parser.format_help())]
    for action in parser._subparsers._group_actions:
        texts += [(name, sub.format_help()) for name, sub in action.choices.items()]
    examples = []
    for name, text in texts:
        block = text.split(cli.EXAMPLES_HEADING, 1)[1].split("\n\n", 1)[0]
        for line in block.strip().splitlines():
            argv = shlex.split(line, comments=True)
            assert argv[0] == "gensim-merge", line
            examples.append(pytest.param(argv[1:], id=" ".join(argv[1:3]),
                                         marks=[pytest.mark.slow] if argv[1] == "demo" else []))
    return examples


@pytest.fixture(scope="module")
def lee():
    sentences = list(LineSentence(datapath("lee_background.cor")))
    half = len(sentences) // 2
    return {"all": sentences, "first": sentences[:half], "second": sentences[half:]}


def _make_input(path, role, command, lee, seed):
    """Make the file `path` for the argument `role` of `command`."""
    name = path.name
    if role in CORPUS_DESTS:
        text = "\n".join(" ".join(s) for s in lee["second"]) + "\n"
        if name.endswith(".gz"):
            with gzip.open(path, "wt", encoding="utf8") as fh:
                fh.write(text)
        else:
            path.write_text(text, encoding="utf8")
        return
    kwargs = {"vector_size": 12, "min_count": 3, "epochs": 1, "workers": 1, "seed": seed}
    corpus = lee["all"] if role in ("reference", "floor") or command in ("ensemble", "evaluate") else lee["first"]
    if "fasttext" in name:
        model = FastText(corpus, bucket=2000, **kwargs)
    else:
        model = Word2Vec(corpus, **kwargs)
    if (command, role) in FULL_MODEL_DESTS:
        model.save(str(path))
    else:
        save_vectors(model.wv, path)


@pytest.mark.parametrize("argv", help_examples())
def test_every_help_example_runs_as_written(argv, lee, tmp_path, monkeypatch, run_main):
    monkeypatch.chdir(tmp_path)
    parser = cli.build_parser()
    args = parser.parse_args(argv)
    seed = 1
    for dest in sorted(INPUT_DESTS & set(vars(args))):
        values = getattr(args, dest)
        for value in [values] if isinstance(values, str) else values or []:
            _make_input(tmp_path / value, dest, args.command, lee, seed)
            seed += 1
    if args.command == "report":
        pytest.importorskip("matplotlib")
    code, _, err = run_main(*argv)
    assert code == 0, err
    for dest in ("output", "save_alignment", "save_model"):
        if getattr(args, dest, None):
            assert (tmp_path / getattr(args, dest)).is_file(), dest


def test_examples_are_found():
    commands = {param.values[0][0] for param in help_examples()}
    assert commands == {"align", "merge", "continue", "ensemble", "evaluate", "report", "convert", "demo"}
