"""Contour plots: how a document's features move from window to window.

`python -m assets.contours.plot DOC_ID [--warehouse DIR] [--out FILE]` draws one for any
document in the lake; the `document_features` asset attaches one for a sample document.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display on servers and in Dagster runs
import matplotlib.pyplot as plt  # noqa: E402
import pyarrow as pa  # noqa: E402

from assets.lake import Lake  # noqa: E402
from schemas.feature_catalog import BY_NAME  # noqa: E402

# One or two telling features per family: enough to see a text's shape at a glance.
DEFAULT_FEATURES = (
    "mean_sentence_length",
    "mean_dependency_distance",
    "moving_average_ttr",
    "zipf_frequency",
    "flesch_kincaid_grade",
    "nrc_valence",
    "emolex_negative",
    "vader_compound",
    "first_person_singular",
    "concreteness",
)


def load_contours(lake: Lake, doc_id: str) -> pa.Table:
    """The contour rows of one document, in window order (empty if unknown)."""
    parts = lake.list_parts("curated", "contours")
    if not parts:
        return pa.table({})
    con = lake.connect()
    try:
        return con.sql(
            f"SELECT * FROM {lake.relation('curated', 'contours')} "
            "WHERE doc_id = $doc_id ORDER BY window_idx",
            params={"doc_id": doc_id},
        ).to_arrow_table()
    finally:
        con.close()


def plot_contours(contours: pa.Table, features: tuple[str, ...] = DEFAULT_FEATURES,
                  title: str = "", dpi: int = 80) -> bytes:
    """PNG bytes: one small panel per feature, window index on the x axis."""
    shown = [f for f in features if f in contours.column_names
             and contours.column(f).null_count < contours.num_rows]
    columns = 2
    rows = max(1, -(-len(shown) // columns))
    fig, axes = plt.subplots(rows, columns, figsize=(10, 1.8 * rows), sharex=True, squeeze=False)
    x = contours.column("window_idx").to_pylist() if contours.num_rows else []
    for ax, name in zip(axes.flat, shown, strict=False):
        ax.plot(x, contours.column(name).to_pylist(), marker="." if len(x) < 60 else None,
                linewidth=1.2, color="#1f5f8b")
        ax.set_title(f"{name} ({BY_NAME[name].family})", fontsize=8, loc="left")
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(shown):]:
        ax.set_visible(False)
    if not shown:
        axes.flat[0].set_visible(True)
        axes.flat[0].text(0.5, 0.5, "no windows", ha="center", va="center")
    for ax in axes[-1]:
        ax.set_xlabel("window (sentences i..i+2)", fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})  # no version
    plt.close(fig)
    return buffer.getvalue()


def markdown_image(png: bytes, alt: str = "contour plot") -> str:
    """A Markdown image with the PNG inlined, for `MetadataValue.md` in the Dagster UI."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Draw the contour plot of one document.")
    parser.add_argument("doc_id")
    parser.add_argument("--warehouse", default=os.environ.get("WAREHOUSE_DIR", "warehouse"),
                        help="warehouse root (default: $WAREHOUSE_DIR or ./warehouse)")
    parser.add_argument("--out", default=None, help="PNG file (default: contours-<doc_id>.png)")
    args = parser.parse_args(argv)
    table = load_contours(Lake.at(args.warehouse), args.doc_id)
    if table.num_rows == 0:
        print(f"no contours for doc_id {args.doc_id!r} under {args.warehouse}", file=sys.stderr)
        return 1
    out = args.out or f"contours-{args.doc_id}.png"
    with open(out, "wb") as handle:
        handle.write(plot_contours(table, title=f"doc {args.doc_id}: {table.num_rows} windows"))
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
