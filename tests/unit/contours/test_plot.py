"""Contour plots: a PNG for a document's windows, and the command that draws one by doc_id."""

from __future__ import annotations

from pathlib import Path

from assets.contours import plot
from assets.contours.compute import contour_table, doc_contours


def test_when_contours_plotted_then_png_bytes(nlp, featurizer):
    doc = nlp("I am happy. Then I was sad. We went home. It rained all day. Tomorrow is new.")
    png = plot.plot_contours(contour_table([doc_contours("d", doc, featurizer)]))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert plot.markdown_image(png).startswith("![contour plot](data:image/png;base64,iVBOR")


def test_when_cli_given_doc_id_then_png_written(lake, nlp, featurizer, tmp_path: Path):
    doc = nlp("One sentence here. Another one there. And a third. Finally a fourth.")
    lake.write_part("curated", "contours", "essays", "p", contour_table(
        [doc_contours("doc-1", doc, featurizer)]))
    out = tmp_path / "c.png"
    assert plot.main(["doc-1", "--warehouse", lake.root, "--out", str(out)]) == 0
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert plot.main(["unknown", "--warehouse", lake.root, "--out", str(out)]) == 1
