"""Tests for the HTML alignment report, including a render in a real headless browser (Chromium)."""

import base64
import html
import re
import shutil
import subprocess
import tempfile

import numpy as np
import pytest

from gensim_merge import IncompatibleModelError, MergeableKeyedVectors, OptionTypeError
from gensim_merge.report_html import PNG_NAMES, alignment_report_html
from tests.conftest import make_kv, random_orthogonal, rotated_copy

pytest.importorskip("matplotlib")

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_BROWSERS = ("chromium", "chromium-browser", "google-chrome")


@pytest.fixture
def pair(rng):
    """(source, target): the source is the target rotated, with ten words moved elsewhere."""
    words = [f"w{i}" for i in range(150)]
    target = make_kv(words, 8, rng, counts=np.arange(1500, 0, -10))
    source = rotated_copy(target, random_orthogonal(8, rng))
    source.vectors[:10] = rng.normal(size=(10, 8))
    return source, target


def _read(path):
    with open(path, encoding="utf8") as handle:
        return handle.read()


def _images(page):
    return re.findall(r'<img[^>]*src="data:image/png;base64,([^"]+)"', page)


def test_report_is_self_contained_with_every_section(tmp_path, pair):
    source, target = pair
    aligned = source.align_to(target, anchor_min_count=0)
    out = alignment_report_html(source, target, aligned, tmp_path / "report.html")
    page = _read(out)
    images = _images(page)
    assert len(images) == 2
    assert all(base64.b64decode(data).startswith(PNG_MAGIC) for data in images)
    for heading in ("Estimated quality", "Anchor residuals", "Most shifted words", "Before and after alignment"):
        assert heading in page
    report = aligned.alignment.report
    assert f"{report.n_anchors} / {report.n_used} / {len(report.trimmed)} / {report.n_heldout}" in page
    # the most shifted words are the ones we moved, with their neighbours in each model
    shifted_words = {s for s, _, _ in report.most_shifted[:5]}
    assert shifted_words <= {f"w{i}" for i in range(10)}
    assert "<td>w" in page and "neighbours in target" in page
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing fetched from outside


def test_accepts_an_alignment_and_writes_pngs(tmp_path, pair):
    source, target = pair
    alignment = source.alignment_to(target, anchor_min_count=0)
    png_dir = tmp_path / "charts"
    alignment_report_html(source, target, alignment, tmp_path / "r.html", png_dir=png_dir,
                          words=["w0", ("w20", "w20"), "not-a-word"])
    for name in PNG_NAMES.values():
        assert (png_dir / name).read_bytes().startswith(PNG_MAGIC)


def test_words_are_escaped(tmp_path, rng):
    words = ["<script>", "a&b"] + [f"w{i}" for i in range(60)]
    target = make_kv(words, 6, rng)
    source = rotated_copy(target, random_orthogonal(6, rng))
    aligned = source.align_to(target, anchor_min_count=0)
    page = _read(alignment_report_html(source, target, aligned, tmp_path / "r.html",
                                      words=["<script>", "a&b"]))
    assert "<script>" not in page and html.escape("<script>") in page


def test_inputs_are_not_modified(tmp_path, pair):
    source, target = pair
    aligned = source.align_to(target, anchor_min_count=0)
    before = [(kv.vectors.copy(), kv.norms) for kv in (source, target)]
    alignment_report_html(source, target, aligned, tmp_path / "r.html")
    for kv, (vectors, norms) in zip((source, target), before):
        np.testing.assert_array_equal(kv.vectors, vectors)
        assert kv.norms is norms


def test_refuses_an_unaligned_model(tmp_path, pair):
    source, target = pair
    with pytest.raises(IncompatibleModelError, match="aligned model"):
        unaligned = MergeableKeyedVectors.from_keyed_vectors(source)
        alignment_report_html(source, target, unaligned, tmp_path / "r.html")


def _browser():
    return next((shutil.which(name) for name in _BROWSERS if shutil.which(name)), None)


def test_report_renders_with_its_images_in_headless_chromium(tmp_path, pair):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium found (apt-get install -y chromium); the browser render check needs it")
    source, target = pair
    aligned = source.align_to(target, anchor_min_count=0)
    page = _read(alignment_report_html(source, target, aligned, tmp_path / "report.html"))
    # a probe that writes, once the page has loaded, the decoded width of every image into the DOM
    probe = ("<script>window.addEventListener('load', function () {var w = [];"
             "for (var i = 0; i < document.images.length; i++) { w.push(document.images[i].naturalWidth); }"
             "var p = document.createElement('pre'); p.id = 'probe'; p.textContent = w.join(',');"
             "document.body.appendChild(p);});</script>")
    probed = tmp_path / "probed.html"
    probed.write_text(page.replace("</body>", probe + "</body>"), encoding="utf8")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom", probed.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<pre id="probe">([^<]*)</pre>', done.stdout)
    assert match, f"the probe did not run; DOM starts with {done.stdout[:300]!r}"
    widths = [int(w) for w in match.group(1).split(",")]
    assert len(widths) == 2 and all(w > 0 for w in widths)
    assert "Most shifted words" in done.stdout


def test_header_names_the_models_by_the_names_given_not_their_repr(tmp_path, pair):
    source, target = pair
    aligned = source.align_to(target, anchor_min_count=0)
    page = _read(alignment_report_html(source, target, aligned, tmp_path / "r.html", source_name="new<1>.kv",
                                      target_name="old.kv"))
    assert "Source <b>new&lt;1&gt;.kv</b> (150 words, 8 dimensions)" in page
    assert "target <b>old.kv</b> (150 words, 8 dimensions)" in page
    assert "neighbours in old.kv" in page
    assert "MergeableKeyedVectors&lt;" not in page and "MergeableKeyedVectors<" not in page
    default = _read(alignment_report_html(source, target, aligned, tmp_path / "d.html"))
    assert "Source <b>source</b>" in default and "KeyedVectors&lt;" not in default
    with pytest.raises(OptionTypeError, match="source_name must be a str"):
        alignment_report_html(source, target, aligned, tmp_path / "x.html", source_name=3)
    assert not (tmp_path / "x.html").exists()


def test_residual_caption_mentions_the_dashed_line_only_when_anchors_were_trimmed(tmp_path, pair):
    source, target = pair
    trimmed = source.align_to(target, anchor_min_count=0)
    assert trimmed.alignment.report.trimmed  # the ten moved words are trimmed
    untrimmed = source.align_to(target, anchor_min_count=0, trim=False)
    assert not untrimmed.alignment.report.trimmed
    with_cut = _read(alignment_report_html(source, target, trimmed, tmp_path / "t.html"))
    without = _read(alignment_report_html(source, target, untrimmed, tmp_path / "u.html"))
    assert "dashed line" in with_cut
    assert "dashed line" not in without and "No anchor was trimmed" in without
