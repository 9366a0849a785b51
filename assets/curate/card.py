"""The dataset card (Datasheets for Datasets, Gebru et al. 2021) and its figures.

Every number in the card is computed from the exported files themselves (DuckDB over the staged
Parquet), so the card cannot describe data the export does not hold. Figures are rendered with
matplotlib's Agg backend and fixed sizes and fonts, so identical data gives identical PNG bytes.
"""

from __future__ import annotations

import io
import math
import posixpath
from typing import Any

import duckdb
import matplotlib
import pyarrow.parquet as pq
from huggingface_hub import DatasetCardData

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from assets.curate import flags, hub  # noqa: E402
from assets.curate.dataset import POOLED, DatasetQuery  # noqa: E402
from assets.curate.languages import language_section  # noqa: E402
from assets.ingest.registry import FAMILIES  # noqa: E402
from assets.lake import Lake  # noqa: E402
from assets.privacy.label_mentions import card_section as label_mentions_section  # noqa: E402
from schemas.label_scales import SCALES  # noqa: E402
from schemas.splits import SPLIT_NAMES  # noqa: E402

PNG_METADATA = {"Software": None}  # no version string: the bytes must not depend on it
BASELINE_NOTE = ("The task follows the label's scale: 0/1 labels are classification, percentiles "
                 "and crowd ratings regression. '–': not defined, e.g. the Pearson r of the "
                 "majority baseline, which predicts one constant; its mean absolute error (mae) "
                 "is the figure to beat.")
PUBLISHED_NOTE = ("Published numbers use their own splits (often 10-fold cross-validation), "
                  "preprocessing and, for PANDORA, far more text per author; they are context, "
                  "not a like-for-like comparison.")


def corpus_note(corpus: str) -> str:
    """The card's paragraph on a corpus, from its registry entry."""
    entry = FAMILIES.get(corpus)
    return entry.card_note if entry and entry.card_note else "see the corpus folder README."


def _savefig(lake: Lake, fig: Any, path: str) -> None:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, metadata=PNG_METADATA)
    plt.close(fig)
    lake.fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with lake.fs.open(path, "wb") as handle:
        handle.write(buffer.getvalue())


def _files(lake: Lake, staging: str) -> str:
    """The staged split files as a DuckDB list of URLs (protocol-prefixed off a local disk)."""
    urls = (lake.url(posixpath.join(staging, "data", f"{s}.parquet")) for s in SPLIT_NAMES)
    return ", ".join("'" + u.replace("'", "''") + "'" for u in urls)


def write_card(
    lake: Lake,
    con: duckdb.DuckDBPyConnection,
    staging: str,
    dataset: str,
    version: str,
    query: DatasetQuery,
    rows: dict[str, int],
    baselines: list[dict[str, Any]],
    zone: str,
    mask_label_mentions: bool = True,
) -> list[str]:
    """Write `README.md` and `figures/*.png` into the staging folder; returns the figure paths."""
    con.execute(f"""CREATE OR REPLACE TEMP VIEW exported AS SELECT * FROM
        read_parquet([{_files(lake, staging)}], filename = true, union_by_name = true)""")
    con.execute("""CREATE OR REPLACE TEMP VIEW exported_split AS
        SELECT *, regexp_extract(filename, '([a-z]+)\\.parquet$', 1) AS split FROM exported""")
    figures: list[str] = []
    label_stats = _label_stats(con, query.label_columns, query.label_scales)
    if balance_panels(label_stats):
        figures.append(_plot_label_balance(lake, staging, label_stats))
    figures.append(_plot_text_lengths(lake, con, staging))
    demo = [c for c in query.label_columns if c.startswith("demographic_")]
    if demo:
        figures.append(_plot_demographics(lake, con, staging, demo))
    contour = _plot_contour_example(lake, con, staging, zone)
    if contour:
        figures.append(contour)
    provenance = _label_provenance(lake, con, dataset, zone)
    body = render_card(con, dataset, version, query, rows, label_stats, figures, baselines,
                       provenance, crowd_agreement(lake, con, dataset, zone),
                       label_mentions_section(con, baselines, mask_label_mentions))
    body += "\n" + "\n".join(["", *flags.card_section(lake, con, dataset), ""])
    body += language_section(lake, con, dataset, zone)
    corpora = hub.exported_corpora(con, dataset)
    text = hub.card_text(_card_data(lake, con, staging, dataset, corpora, query, rows,
                                    label_stats, provenance), body)
    hub.write_citation(lake, staging, dataset, version, corpora)
    with lake.fs.open(posixpath.join(staging, "README.md"), "wb") as handle:
        handle.write(text.encode())
    return figures


def _card_data(lake: Lake, con: duckdb.DuckDBPyConnection, staging: str, dataset: str,
               corpora: list[str], query: DatasetQuery, rows: dict[str, int],
               label_stats: dict[str, dict], provenance: list[tuple[str, str, int]]
               ) -> DatasetCardData:
    """The card's YAML header (`assets.curate.hub`), typed from the staged train file."""
    footers = {}
    for split in SPLIT_NAMES:
        with lake.fs.open(posixpath.join(staging, "data", f"{split}.parquet"), "rb") as handle:
            footers[split] = pq.ParquetFile(handle).metadata
    schema = footers["train"].schema.to_arrow_schema()
    split_bytes = {s: sum(m.row_group(i).total_byte_size for i in range(m.num_row_groups))
                   for s, m in footers.items()}
    return hub.card_data(dataset, corpora, schema, rows, label_stats,
                         hub.class_labels(con, query.label_columns),
                         [source for _, source, _ in provenance], split_bytes)


def _label_stats(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...],
                 scales: dict[str, str]) -> dict[str, dict]:
    """Per label column: its scale (the card's `kind`), labelled rows, distinct values and a
    summary per split. Each column holds one scale (`schemas.label_scales`), so a mean never
    mixes 0/1 labels with percentiles."""
    stats: dict[str, dict] = {}
    for column in columns:
        q = f'"{column}"'
        n, distinct = con.execute(
            f"SELECT count({q}), count(DISTINCT {q}) FROM exported").fetchall()[0]
        if n == 0:
            continue
        kind = scales.get(column, "category")
        if SCALES[kind].column is not None:  # a number: share of 1 for binary, else the mean
            per_split = _split_means(con, q)
        else:
            per_split = dict(con.execute(f"""SELECT split, string_agg(v || ' ' || n, ', '
                ORDER BY n DESC, v) FROM (SELECT split, {q} AS v, count(*) AS n
                FROM exported_split WHERE {q} IS NOT NULL GROUP BY split, {q}
                QUALIFY row_number() OVER (PARTITION BY split ORDER BY count(*) DESC, v) <= 4)
                GROUP BY split""").fetchall())
        stats[column] = {"kind": kind, "labelled": n, "distinct": distinct, "per_split": per_split}
    return stats


def _split_means(con: duckdb.DuckDBPyConnection, quoted: str) -> dict[str, float]:
    """Mean per split over the rows labelled in that split (a split with none is left out, so
    the card prints '–', not nan), summed in doc_id order: a parallel sum's last bits vary
    between runs."""
    return dict(con.execute(f"SELECT split, avg({quoted} ORDER BY doc_id) FROM exported_split "
                            f"WHERE {quoted} IS NOT NULL GROUP BY 1").fetchall())


# The label-balance figure: one panel per scale, each on its own axis (Big Five and MBTI 0/1
# labels as the share of 1, percentiles as the mean percentile, crowd ratings as the mean).
BALANCE_SCALES = {"binary": ("share labelled 1 (high / first pole)", (0.0, 1.0)),
                  "percentile": ("mean percentile", (0.0, 100.0)),
                  "likert3": ("mean rating (-1 low, 1 high)", (-1.0, 1.0))}


def balance_panels(label_stats: dict[str, dict]) -> list[tuple[str, list[str]]]:
    """(scale, its label columns) for each panel of the label-balance figure: Big Five and MBTI
    0/1 labels together, percentiles and crowd ratings apart, each on its own axis."""
    panels = [(scale, [c for c, s in label_stats.items() if s["kind"] == scale])
              for scale in BALANCE_SCALES]
    return [(scale, columns) for scale, columns in panels if columns]


def _plot_label_balance(lake: Lake, staging: str, label_stats: dict[str, dict]) -> str:
    panels = balance_panels(label_stats)
    widths = [max(3.0, 1.0 + 0.9 * len(columns)) for _, columns in panels]
    fig, axes = plt.subplots(1, len(panels), figsize=(sum(widths), 3.4), squeeze=False,
                             gridspec_kw={"width_ratios": widths})
    width = 0.8 / len(SPLIT_NAMES)
    for ax, (scale, columns) in zip(axes[0], panels, strict=True):
        for k, split in enumerate(SPLIT_NAMES):
            values = [label_stats[c]["per_split"].get(split) for c in columns]
            ax.bar([i + k * width for i in range(len(columns))],
                   [v if v is not None else 0 for v in values], width, label=split)
        ax.set_xticks([i + width for i in range(len(columns))], columns, rotation=30,
                      ha="right", fontsize=8)
        ylabel, ylim = BALANCE_SCALES[scale]
        ax.set_ylabel(ylabel, fontsize=8)
        ax.set_ylim(*ylim)
        ax.set_title(scale, fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    path = posixpath.join(staging, "figures", "label_balance.png")
    _savefig(lake, fig, path)
    return "figures/label_balance.png"


def _plot_text_lengths(lake: Lake, con: duckdb.DuckDBPyConnection, staging: str) -> str:
    rows = con.execute("""SELECT split, floor(log10(length(text) + 1) * 10) / 10 AS bin, count(*)
        FROM exported_split GROUP BY ALL ORDER BY ALL""").fetchall()
    fig, ax = plt.subplots(figsize=(5.0, 3.2))
    for split in SPLIT_NAMES:
        points = [(b, n) for s, b, n in rows if s == split]
        if points:
            ax.step([b for b, _ in points], [n for _, n in points], where="post", label=split)
    ax.set_xlabel("log10(characters + 1)")
    ax.set_ylabel("documents")
    ax.legend(fontsize=8)
    fig.tight_layout()
    _savefig(lake, fig, posixpath.join(staging, "figures", "text_lengths.png"))
    return "figures/text_lengths.png"


def _plot_demographics(lake: Lake, con: duckdb.DuckDBPyConnection, staging: str,
                       columns: list[str]) -> str:
    fig, axes = plt.subplots(1, len(columns), figsize=(3.2 * len(columns), 3.0), squeeze=False)
    for ax, column in zip(axes[0], columns, strict=True):
        values = con.execute(f'SELECT "{column}" AS v, count(*) FROM exported '
                             f'WHERE "{column}" IS NOT NULL GROUP BY 1 ORDER BY 1').fetchall()
        ax.bar([str(v) for v, _ in values][:30], [n for _, n in values][:30])
        ax.set_title(column, fontsize=9)
        ax.tick_params(axis="x", labelrotation=90, labelsize=6)
    fig.tight_layout()
    _savefig(lake, fig, posixpath.join(staging, "figures", "demographics.png"))
    return "figures/demographics.png"


def _plot_contour_example(lake: Lake, con: duckdb.DuckDBPyConnection, staging: str,
                          zone: str) -> str | None:
    """One training document's contours (the contours stage's own plot), if any exist."""
    if not lake.list_parts(zone, "contours"):
        return None
    from assets.contours.plot import load_contours, plot_contours

    rel = lake.relation(zone, "contours")
    doc = con.execute(f"""SELECT min(c.doc_id) FROM {rel} c JOIN exported_split e
        ON e.doc_id = c.doc_id WHERE e.split = 'train'""").fetchall()[0][0]
    if doc is None:
        return None
    png = plot_contours(load_contours(lake, doc), title="contours of one training document")
    path = posixpath.join(staging, "figures", "contour_example.png")
    lake.fs.makedirs(posixpath.dirname(path), exist_ok=True)
    with lake.fs.open(path, "wb") as handle:
        handle.write(png)
    return "figures/contour_example.png"


def _label_provenance(lake: Lake, con: duckdb.DuckDBPyConnection, dataset: str,
                      zone: str) -> list[tuple[str, str, int]]:
    rel = lake.relation(zone, "labels")
    where = "true" if dataset == POOLED else f"corpus = '{dataset}'"
    return con.execute(f"""SELECT scheme, source, count(*) FROM {rel} WHERE {where}
        GROUP BY ALL ORDER BY ALL""").fetchall()


def crowd_agreement(lake: Lake, con: duckdb.DuckDBPyConnection, dataset: str,
                    zone: str = "curated") -> dict[str, dict[str, Any]]:
    """Krippendorff's alpha per labelling project and trait over the dataset's crowd annotations
    (`curated/annotations`), as `annotation.aggregate.agreement_summary` gives it; empty when
    nobody has annotated this dataset's documents."""
    from annotation.aggregate import aggregate, agreement_summary
    from annotation.projects import LABEL_PROJECTS

    if not lake.list_parts(zone, "annotations"):
        return {}
    rel = lake.relation(zone, "annotations")
    where = "true" if dataset == POOLED else "corpus = $1"
    params = [] if dataset == POOLED else [dataset]
    projects = ", ".join(f"'{p}'" for p in LABEL_PROJECTS)
    frame = con.execute(f"""SELECT annotation_id, project, doc_id, corpus, annotator, field, value
        FROM {rel} WHERE project IN ({projects}) AND {where}
        ORDER BY annotation_id, field, value""", params).df()
    return agreement_summary(aggregate(frame)) if len(frame) else {}


def agreement_table(agreement: dict[str, dict[str, Any]]) -> list[str]:
    """The card's agreement table: one row per project and trait."""
    if not agreement:
        return ["No crowd annotations of these documents yet: no agreement to report."]
    lines = ["Inter-annotator agreement of the crowd annotations (Krippendorff's alpha; ordinal "
             "distance for -1/0/1 ratings, nominal for MBTI poles; '–' where alpha is undefined, "
             "e.g. every vote the same). Items with low agreement are re-queued for more "
             "annotators.", "",
             "| project | trait | alpha | level | items | votes | mean item agreement |",
             "|---|---|---:|---|---:|---:|---:|"]
    for key, row in sorted(agreement.items()):
        project, trait = key.split("/", 1)
        lines.append(f"| {project} | {trait} | {_fmt(row['alpha'])} | {row['level']} | "
                     f"{row['items']} | {row['votes']} | {_fmt(row['mean_item_agreement'])} |")
    return lines


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"  # undefined (say why beside the table), never "nan"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render_card(
    con: duckdb.DuckDBPyConnection,
    dataset: str,
    version: str,
    query: DatasetQuery,
    rows: dict[str, int],
    label_stats: dict[str, dict],
    figures: list[str],
    baselines: list[dict[str, Any]],
    provenance: list[tuple[str, str, int]],
    agreement: dict[str, dict[str, Any]] | None = None,
    label_mentions: list[str] | None = None,
) -> str:
    corpora = [c for (c,) in con.execute(
        "SELECT DISTINCT corpus FROM exported ORDER BY 1").fetchall()]
    per_split = {s: (n, a, m) for s, n, a, m in con.execute(
        """SELECT split, count(*), count(DISTINCT author_id), median(length(text))
           FROM exported_split GROUP BY 1""").fetchall()}
    lines = [
        f"# Dataset card: `{dataset}` ({version})",
        "",
        "## Motivation",
        "",
        "Research on how personality shows in language needs labelled text that can be shared "
        "and compared. This export packages the personality warehouse's curated (anonymised) "
        "documents with their personality labels and leak-free train/dev/test splits, so models "
        "trained by different people are evaluated on the same held-out authors.",
        "",
        "## Composition",
        "",
        f"Corpora: {', '.join(corpora) if corpora else 'none'}. One row per document.",
        "",
        "| split | documents | authors | median characters |",
        "|---|---:|---:|---:|",
    ]
    for split in SPLIT_NAMES:
        n, authors, median = per_split.get(split, (0, 0, None))
        lines.append(f"| {split} | {rows.get(split, n)} | {authors} | {_fmt(median, 0)} |")
    lines += ["", "Labels, one column per scale (`big5_EXT` 0/1, `big5_EXT_pct` 0-100 "
              "percentiles): " + "; ".join(f"{s.name}: {s.summary}" for s in SCALES.values())
              + " per split ('–': no labelled row in that split).",
              "", "| label | scale | labelled rows | train | dev | test |",
              "|---|---|---:|---|---|---|"]
    for column, stat in label_stats.items():
        cells = [_fmt(stat["per_split"].get(s)) for s in SPLIT_NAMES]
        lines.append(f"| `{column}` | {stat['kind']} | {stat['labelled']} | {' | '.join(cells)} |")
    if not label_stats:
        lines.append("| (no labels) | | | | | |")
    if query.feature_columns:
        lines += ["", f"Features: {len(query.feature_columns)} numeric document/author "
                      "contour summaries (`feat_*`, `author_feat_*`) from the contours stage."]
    lines += [""] + [f"![{posixpath.basename(f)[:-4]}]({f})" for f in figures]
    lines += ["", "## Collection process", ""]
    lines += [f"- **{c}**: {corpus_note(c)}" for c in corpora]
    lines += ["", "## Labelling", "",
              "Labels come from the corpora (questionnaires, self-reports, flair, third-party "
              "annotation) and, where the annotation stage has run, from crowd annotation "
              "aggregated per item. When one subject has the same trait from several sources, "
              "the export keeps the most trusted (test result, self-report, crowd aggregate, "
              "annotator, flair, third party). Author labels apply to all of an author's "
              "documents.", "", "| scheme | source | labels |", "|---|---|---:|"]
    lines += [f"| {scheme} | {source} | {n} |" for scheme, source, n in provenance]
    crowd = sum(n for _, source, n in provenance if source in ("crowd_aggregate", "annotator"))
    lines += ["", f"Crowd/annotator labels in this export: {crowd}.", "",
              "### Crowd agreement", ""] + agreement_table(agreement or {})
    lines += [
        "", "## Preprocessing and PII handling", "",
        "Texts come from the curated zone: personal names, contact details, user handles and "
        "known usernames are replaced by typed placeholders by the privacy stage, and author "
        "ids are keyed HMAC pseudonyms (the key never leaves the pipeline). Raw usernames, "
        "timestamps and source file positions are not exported. Anonymisation is automatic "
        "and imperfect: do not try to re-identify authors, and report any leak you find.",
        "", "## Splits", "",
        "Grouped by author: every document of an author is in one split, so test scores "
        "measure generalisation to unseen people. A group's split is a pure function of the "
        "seed and its pseudonym (sha256 cut at the ratio thresholds), so new authors never "
        "move existing ones, and the per-corpus and pooled datasets agree. Documents with an "
        "identical text are forced into one split. Label strata are balanced in expectation "
        "(hashing cannot balance them exactly without moving authors as data grows).",
        "", "## Baselines", ""]
    # the main table: scores on masked text (rows on kept text are compared just below)
    lines += baseline_table([b for b in baselines if b.get("masked") is not False])
    lines += ["", BASELINE_NOTE, "", PUBLISHED_NOTE, "", "### Self-disclosed labels", ""]
    lines += label_mentions or []
    lines += ["", "## Uses", "",
              "Intended: research on language and personality; benchmarking text classifiers "
              "on held-out authors; studying label noise across label sources.", "",
              "Out of scope: any decision about an individual (hiring, admission, credit, "
              "clinical or legal use); inferring the personality of people who did not consent "
              "to such research; re-identifying authors. Labels are self-reports or "
              "third-party judgements of limited reliability, and the corpora are skewed "
              "toward young, English-speaking, online populations.",
              "", "## Files", "",
              "`data/{train,dev,test}.parquet` and the same rows in `jsonl/`. "
              + hub.load_snippet(dataset) + " `manifest.json` lists every file's sha256, the "
              "row counts, the configuration, the code version and the source parts.", ""]
    lines += hub.license_and_citation(corpora) + [""]
    return "\n".join(lines)


def baseline_table(baselines: list[dict[str, Any]]) -> list[str]:
    if not baselines:
        return ["No baselines were run for this export."]
    models = sorted({b["model"] for b in baselines}, key=_model_order)
    lines = ["| trait | metric | " + " | ".join(models) + " | published |",
             "|---|---|" + "---:|" * len(models) + "---|"]
    keys = sorted({(b["trait"], b["metric"]) for b in baselines})
    for trait, metric in keys:
        cells = []
        published = ""
        for model in models:
            hit = [b for b in baselines
                   if (b["trait"], b["metric"], b["model"]) == (trait, metric, model)]
            cells.append(_fmt(hit[0]["value"]) if hit else "–")
            published = published or next((b.get("published") or "" for b in hit), "")
        lines.append(f"| `{trait}` | {metric} | " + " | ".join(cells) + f" | {published} |")
    return lines


def _model_order(model: str) -> tuple[int, str]:
    order = ["majority", "contours_lr", "tfidf_lr", "tfidf_contours_lr"]
    return (order.index(model) if model in order else 99, model)
