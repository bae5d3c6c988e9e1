"""What 'evaluate', 'report' and 'merge' print for a person to read: tables, file names, plain quoting."""

import json
import re

import numpy as np
import pytest

from gensim_merge import merge
from gensim_merge.evaluation import closeness, fidelity_ratio
from gensim_merge.io import save_vectors
from tests.conftest import make_kv, random_orthogonal, rotated_copy


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A reference, a second training of it (the floor: a little noise) and a candidate further away."""
    rng = np.random.default_rng(0)
    d = tmp_path_factory.mktemp("evaluate")
    words = [f"w{i}" for i in range(150)]
    reference = make_kv(words, 8, rng, counts=np.arange(1500, 0, -10))
    floor = rotated_copy(reference, random_orthogonal(8, rng))
    floor.vectors += rng.normal(scale=0.05, size=floor.vectors.shape).astype(np.float32)
    candidate = rotated_copy(reference, random_orthogonal(8, rng))
    candidate.vectors += rng.normal(scale=0.4, size=candidate.vectors.shape).astype(np.float32)
    candidate.vectors[:20] = rng.normal(size=(20, 8))
    for name, kv in (("reference.safetensors", reference), ("floor.bin", floor), ("candidate.txt", candidate)):
        save_vectors(kv, d / name)
    return d


def _table_rows(out):
    """The rows of the closeness table (after its header line), as lists of cells."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("group "))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        rows.append(line.split())
    return lines[start].split(), rows


def test_evaluate_prints_a_table_not_a_repr(files, run_main):
    code, out, err = run_main("evaluate", files / "candidate.txt", "--reference", files / "reference.safetensors")
    assert code == 0, err
    assert "ClosenessReport<" not in out
    header, rows = _table_rows(out)
    assert header == ["group", "words", "nn@10", "overlap", "rho", "coverage"]
    assert rows[0][:2] == ["overall", "150"] and rows[0][-1] == "100.0%"
    assert "nn@10 overlap: share of a word's 10 nearest neighbours" in out  # the legend says how to read it


def test_evaluate_with_a_floor_prints_each_groups_ratio_to_it(files, run_main):
    code, out, err = run_main("evaluate", files / "candidate.txt", "--reference", files / "reference.safetensors",
                              "--floor", files / "floor.bin", "--topn", "5")
    assert code == 0, err
    header, rows = _table_rows(out)
    assert header[-5:] == ["floor", "nn@5", "ratio", "to", "floor"]  # "floor nn@5", "ratio to floor"
    from gensim_merge.io import load_vectors

    reference = load_vectors(files / "reference.safetensors")
    candidate = closeness(load_vectors(files / "candidate.txt"), reference, topn=5)
    floor = closeness(load_vectors(files / "floor.bin"), reference, topn=5)
    ratio = fidelity_ratio(candidate, floor)["overall"]
    assert 0 < ratio < 1  # the candidate is further from the reference than its second training
    assert rows[0][0] == "overall"
    assert float(rows[0][-1]) == pytest.approx(ratio, abs=0.005)
    assert float(rows[0][-2]) == pytest.approx(floor.overall.nn_overlap, abs=0.0005)
    assert "ratio to floor: nn overlap divided by the floor's" in out
    assert f"noise floor: {files / 'floor.bin'}" in out


def test_evaluate_with_a_floor_as_json(files, run_main):
    code, out, err = run_main("evaluate", files / "candidate.txt", "--reference", files / "reference.safetensors",
                              "--floor", files / "floor.bin", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert set(payload) == {"standard_scores", "closeness", "noise_floor", "ratio_to_floor"}
    overall = payload["closeness"]["groups"]["overall"]["nn_overlap"]
    assert payload["ratio_to_floor"]["overall"] == pytest.approx(
        overall / payload["noise_floor"]["groups"]["overall"]["nn_overlap"])


@pytest.mark.parametrize("argv, message", [
    (["--floor", "{d}/floor.bin"], "--floor needs --reference"),
    (["--reference", "{d}/reference.safetensors", "--topn", "0"], "--topn must be an integer >= 1, got 0"),
    (["--reference", "{d}/reference.safetensors", "--seed", "-1"], "--seed must be an integer >= 0, got -1"),
])
def test_evaluate_bad_options_fail_before_loading_anything(files, run_main, argv, message):
    code, out, err = run_main("evaluate", files / "candidate.txt", *[a.format(d=files) for a in argv])
    assert code == 1 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1
    assert "loaded" not in err


def test_report_names_the_models_by_their_file_names(files, run_main):
    pytest.importorskip("matplotlib")
    out_path = files / "report.html"
    code, _out, err = run_main("report", files / "candidate.txt", files / "reference.safetensors", "-o", out_path,
                              "--anchor-min-count", "0")
    assert code == 0, err
    page = out_path.read_text(encoding="utf8")
    assert re.search(r"Source <b>candidate\.txt</b> \(150 words, 8 dimensions\)", page)
    assert "target <b>reference.safetensors</b>" in page
    assert "KeyedVectors&lt;" not in page


def test_merge_summary_quotes_the_reference_name_once(rng):
    words = [f"w{i}" for i in range(60)]
    a = make_kv(words, 6, rng, counts=np.arange(600, 0, -10))
    b = rotated_copy(a, random_orthogonal(6, rng))
    text = str(merge([a, b], names=["A", "B"], align_options={"anchor_min_count": 0}).merge_report)
    assert "into the space of 'A' (strategy=count" in text
    assert "'A''s" not in text


# ---------------------------------------------------------------------------------------------------------
# --floor must be a second training of the reference: it holds (most of) the reference's words


def test_a_floor_of_other_words_is_refused(files, run_main, tmp_path, rng):
    other = make_kv([f"w{i}" for i in range(100)] + [f"x{i}" for i in range(200)], 8, rng)  # 100 of 150: 66.7%
    save_vectors(other, tmp_path / "ok_floor.safetensors")
    code, _, err = run_main("evaluate", files / "candidate.txt", "--reference", files / "reference.safetensors",
                            "--floor", tmp_path / "ok_floor.safetensors")
    assert code == 0, err
    other = make_kv([f"w{i}" for i in range(70)] + [f"x{i}" for i in range(200)], 8, rng)  # 70 of 150: 46.7%
    save_vectors(other, tmp_path / "other.safetensors")
    code, out, err = run_main("evaluate", files / "candidate.txt", "--reference", files / "reference.safetensors",
                              "--floor", tmp_path / "other.safetensors")
    assert code == 1 and out == ""
    assert "--floor" in err and "other.safetensors" in err and "70 of" in err and "150 words" in err, err


def test_the_reference_itself_is_no_floor(files, run_main):
    code, _, err = run_main("evaluate", files / "candidate.txt", "--reference", files / "reference.safetensors",
                            "--floor", files / "reference.safetensors")
    assert code == 1 and "--floor" in err and "reference itself" in err and "loaded" not in err


def test_check_noise_floor_measures_the_share_of_the_reference(rng):
    from gensim_merge.errors import NoSharedVocabularyError
    from gensim_merge.fidelity import MIN_FLOOR_SHARE, check_noise_floor

    reference = make_kv([f"w{i}" for i in range(100)], 4, rng)
    superset = make_kv([f"w{i}" for i in range(300)], 4, rng)  # a lower min_count: every word of the reference
    assert check_noise_floor(superset, reference) == 1.0
    half = make_kv([f"w{i}" for i in range(50)], 4, rng)
    assert check_noise_floor(half, reference) == MIN_FLOOR_SHARE == 0.5
    with pytest.raises(NoSharedVocabularyError, match="49 of the reference's 100 words"):
        check_noise_floor(make_kv([f"w{i}" for i in range(49)], 4, rng), reference)
    with pytest.raises(NoSharedVocabularyError):
        check_noise_floor(half, reference, min_share=0.9)
