"""The export as the Hugging Face ecosystem reads it: the card's YAML header, built with
`huggingface_hub`'s `DatasetCardData`, and the key-value metadata of the exported Parquet files.

The header says what the Hub and `datasets.load_dataset` look for: license (per source corpus,
from the corpus registry's `Provenance`), `size_categories`, `source_datasets`,
`annotations_creators`, `task_categories`/`task_ids`, one config per dataset with its data files
per split, and `dataset_info.features` typed from the exported Arrow schema, with `ClassLabel`
for the MBTI type (16 names) and the four MBTI axes, so `load_dataset(<export folder>)` gives
class labels rather than strings and floats.

Split names: `train`, `dev`, `test` everywhere a user meets them (the file names, the configs,
the card's tables and snippet, `load_dataset`'s splits, the lake's `curated/splits`). `dev` is not
the Hub's customary `validation`; the configs declare it, so `load_dataset(<export folder>)` says
`dev`. Only a loader that ignores the card (`load_dataset("parquet", data_dir=...)`) guesses
`validation` from the file name `dev.parquet`.

The MBTI columns keep their stored types in Parquet (the type as its 4 letters, an axis as 0/1),
which DuckDB and pandas users read as they are; `datasets` reads a Parquet schema's feature
metadata only when the stored type is the feature's own (int64 for a `ClassLabel`), so the class
labels live in the card, not in the files. The files carry the export's version, dataset, split
and the card's relative link instead (`PARQUET_KEYS`).

Beside the card, `CITATION.bib` holds the BibTeX of the export and of its corpora. At the
exports root, an index card (`write_index_card`) gives one config per corpus plus `pooled`, each
pointing at its current version, so the whole exports folder loads as one dataset.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from huggingface_hub import DatasetCard, DatasetCardData

from assets.curate.dataset import POOLED, ExportConfig, label_column
from assets.ingest.labels import MBTI_TYPES
from assets.ingest.provenance import Provenance
from assets.ingest.registry import FAMILIES
from assets.lake import Lake
from schemas.splits import SPLIT_NAMES
from schemas.tables import MBTI_AXES

# Parquet key-value metadata on every exported data file.
PARQUET_KEYS = ("pw.dataset", "pw.version", "pw.split", "pw.card")
CARD_LINK = "../README.md"  # the card, relative to data/<split>.parquet
TYPE_COLUMN = label_column("mbti", "type")
# Class labels: column -> names in index order. An axis's stored value is 1 for the first-named
# pole (I, N, T, J) and 0 for the other, so index 0 names the second pole.
CLASS_LABELS: dict[str, list[str]] = {
    TYPE_COLUMN: sorted(MBTI_TYPES),
    **{label_column("mbti", axis): [axis.split("/")[1], axis.split("/")[0]]
       for axis in MBTI_AXES},
}
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"),
                   (1_000_000, "100K<n<1M"), (10_000_000, "1M<n<10M"))
# Label sources made by this project's annotation loop rather than found with the corpus.
CROWD_SOURCES = ("crowd_aggregate", "annotator")
PROJECT_CITATION = """@misc{{personality_warehouse_{key},
  title = {{personality-warehouse dataset export `{dataset}`, version {version}}},
  note = {{Curated, anonymised documents with personality labels and author-grouped
          train/dev/test splits, built by the personality-warehouse curate stage}}
}}"""


def provenance(corpus: str) -> Provenance:
    """The corpus's registry provenance; a corpus the registry does not know has none stated."""
    entry = FAMILIES.get(corpus)
    return entry.provenance if entry else Provenance()


def size_category(rows: int) -> str:
    return next((name for limit, name in SIZE_CATEGORIES if rows < limit), "n>10M")


def class_labels(con: duckdb.DuckDBPyConnection, columns: Iterable[str]) -> dict[str, list[str]]:
    """The MBTI columns among `columns` whose every value fits their class names (the type one
    of the 16, an axis 0 or 1), read from the `exported` view; a column with any other value
    stays a plain feature rather than a label `datasets` would refuse to load."""
    found = {}
    for column in columns:
        names = CLASS_LABELS.get(column)
        if names is None:
            continue
        allowed = names if column == TYPE_COLUMN else ["0", "1", "0.0", "1.0"]
        listed = ", ".join("'" + n + "'" for n in allowed)
        bad = con.execute(f'''SELECT count(*) FILTER (WHERE "{column}"::VARCHAR NOT IN ({listed}))
            FROM exported''').fetchall()[0][0]
        if not bad:
            found[column] = names
    return found


def _dtype(column: str, arrow_type: pa.DataType) -> str:
    """`datasets`' Value dtype name of a flat Arrow type."""
    names = {"double": "float64", "float": "float32", "halffloat": "float16"}
    name = str(arrow_type)
    if not (pa.types.is_primitive(arrow_type) or pa.types.is_string(arrow_type)
            or pa.types.is_large_string(arrow_type)):
        raise ValueError(f"export column {column!r} has type {name}: the card types only flat "
                         "columns (strings, numbers, booleans)")
    return names.get(name, name)


def features(schema: pa.Schema, labels: Mapping[str, list[str]]) -> list[dict[str, Any]]:
    """`dataset_info.features` in the card's YAML form, in the files' column order."""
    out: list[dict[str, Any]] = []
    for item in schema:
        if item.name in labels:
            names = {str(i): n for i, n in enumerate(labels[item.name])}
            out.append({"name": item.name, "dtype": {"class_label": {"names": names}}})
        else:
            out.append({"name": item.name, "dtype": _dtype(item.name, item.type)})
    return out


def task_ids(label_stats: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Hub task ids the labels support: the MBTI type is multi-class, several binary traits are
    multi-label, continuous scores (percentiles) are text scoring."""
    kinds = {c: s["kind"] for c, s in label_stats.items()}
    ids = []
    if TYPE_COLUMN in kinds:
        ids.append("multi-class-classification")
    if sum(k == "binary" for k in kinds.values()) > 1:
        ids.append("multi-label-classification")
    if any(k in ("percentile", "likert3", "years") for k in kinds.values()):
        ids.append("text-scoring")
    return ids


def card_data(
    dataset: str,
    corpora: list[str],
    schema: pa.Schema,
    rows: Mapping[str, int],
    label_stats: Mapping[str, Mapping[str, Any]],
    labels: Mapping[str, list[str]],
    label_sources: Iterable[str],
    split_bytes: Mapping[str, int] | None = None,
) -> DatasetCardData:
    """The card's YAML header for one export (one corpus, or `pooled`): one config named after
    the dataset, its data files per split, its typed features and split sizes.

    `split_bytes` is each split's uncompressed data size from its Parquet footer (`datasets`
    records the Arrow size, which differs slightly); `load_dataset` verifies the row counts."""
    split_bytes = split_bytes or {}
    facts = [provenance(c) for c in corpora]
    licenses = sorted({f.license for f in facts}) or ["unknown"]
    annotators = {a for f in facts for a in f.annotations_creators}
    if any(s in CROWD_SOURCES for s in label_sources):
        annotators.add("crowdsourced")
    config = {
        "config_name": dataset,
        "default": True,
        "data_files": [{"split": s, "path": f"data/{s}.parquet"} for s in SPLIT_NAMES],
    }
    info = {
        "config_name": dataset,
        "features": features(schema, labels),
        "splits": [{"name": s, "num_bytes": int(split_bytes.get(s, 0)),
                    "num_examples": int(rows.get(s, 0))} for s in SPLIT_NAMES],
        "dataset_size": int(sum(split_bytes.values())),
    }
    return DatasetCardData(
        pretty_name=f"personality-warehouse {dataset}",
        language=["en"],
        license=licenses[0] if len(licenses) == 1 else licenses,
        annotations_creators=sorted(annotators) or ["no-annotation"],
        language_creators=sorted({c for f in facts for c in f.language_creators}) or ["found"],
        multilinguality="monolingual",
        size_categories=[size_category(sum(rows.values()))],
        source_datasets=sorted({f.source_dataset for f in facts}) or ["original"],
        task_categories=["text-classification"],
        task_ids=task_ids(label_stats),
        tags=["personality", "psychology"],
        configs=[config],
        dataset_info=info,
    )


def card_text(data: DatasetCardData, body: str) -> str:
    """The README: `data` as the YAML header over `body`, through `DatasetCard`, so the header
    is what `DatasetCard.load` and the Hub parse back."""
    return str(DatasetCard(f"---\n{data.to_yaml()}\n---\n\n{body}"))


CITATION_FILE = "CITATION.bib"


def exported_corpora(con: duckdb.DuckDBPyConnection, dataset: str) -> list[str]:
    """The corpora an export draws on: the corpus itself, or those in the pooled rows."""
    if dataset != POOLED:
        return [dataset]
    return [c for (c,) in con.execute("SELECT DISTINCT corpus FROM exported ORDER BY 1").fetchall()]


def citation_bib(dataset: str, version: str, corpora: list[str]) -> str:
    """BibTeX for this export and for every corpus with a publication.

    A file of its own beside the card: the export's leak scan reads the card and would take
    each entry's `@type` for a user handle."""
    key = "pooled" if dataset == POOLED else dataset.replace("-", "_")
    entries = [PROJECT_CITATION.format(key=key, dataset=dataset, version=version)]
    entries += [provenance(c).citation for c in corpora if provenance(c).citation]
    return "\n\n".join(entries) + "\n"


def write_citation(lake: Lake, staging: str, dataset: str, version: str,
                   corpora: list[str]) -> None:
    with lake.fs.open(posixpath.join(staging, CITATION_FILE), "wb") as handle:
        handle.write(citation_bib(dataset, version, corpora).encode())


def license_and_citation(corpora: list[str]) -> list[str]:
    """The card's closing section: each source corpus's license and what its source says, and
    where the BibTeX is."""
    lines = ["## License and citation", "",
             "Each corpus keeps its source's terms; `unknown` means the source states no "
             "license, which grants nothing: check the source before redistributing.", "",
             "| corpus | license | terms as stated by the source |", "|---|---|---|"]
    lines += [f"| {c} | {provenance(c).license} | {provenance(c).license_note} |"
              for c in corpora]
    cited = [c for c in corpora if provenance(c).citation]
    lines += ["", f"Cite this export and the corpora it draws on: BibTeX for the export and for "
              f"{', '.join(cited) or 'no corpus'} in [`{CITATION_FILE}`]({CITATION_FILE})."]
    return lines


def load_snippet(dataset: str) -> str:
    """How to load the export, with the split names the configs declare."""
    splits = ", ".join(f'"{s}"' for s in SPLIT_NAMES)
    return (f"`datasets.load_dataset(\"<this folder>\")` reads config `{dataset}` from the "
            f"header above: splits {splits} (the names of the files and of the tables above), "
            "with the features the header types (the MBTI type and axes, where present, as "
            "`ClassLabel`). "
            "`datasets.load_dataset(\"parquet\", data_files={\"train\": \"data/train.parquet\", "
            "\"dev\": \"data/dev.parquet\", \"test\": \"data/test.parquet\"})` reads the same "
            "rows with their stored types (the MBTI type as its 4 letters, an axis as 0/1). "
            "Each Parquet file's key-value metadata names the dataset, version, split and this "
            f"card (`{CARD_LINK}`).")


# --- Parquet key-value metadata -----------------------------------------------------------------


def parquet_metadata(dataset: str, version: str, split: str) -> dict[str, str]:
    return dict(zip(PARQUET_KEYS, (dataset, version, split, CARD_LINK), strict=True))


def stamp_parquet(lake: Lake, staging: str, dataset: str, version: str,
                  config: ExportConfig) -> None:
    """Rewrite each staged `data/<split>.parquet` with the export's key-value metadata.

    The version is a hash of the staged files, so it can only be written into them afterwards:
    each file is re-encoded row group by row group with the writer settings it was written with
    (same row groups, same compression), which keeps re-exports byte-identical."""
    for split in SPLIT_NAMES:
        path = posixpath.join(staging, "data", f"{split}.parquet")
        stamped = posixpath.join(staging, "data", f".{split}.stamped")
        with lake.fs.open(path, "rb") as source, lake.fs.open(stamped, "wb") as target:
            reader = pq.ParquetFile(source)
            schema = reader.schema_arrow.with_metadata(parquet_metadata(dataset, version, split))
            writer = pq.ParquetWriter(
                target, schema, compression=config.compression,
                compression_level=config.compression_level, write_statistics=True,
            )
            for i in range(reader.num_row_groups):
                writer.write_table(reader.read_row_group(i).cast(schema),
                                   row_group_size=config.row_group_rows)
            if reader.num_row_groups == 0:
                writer.write_table(schema.empty_table())
            writer.close()
        lake.fs.mv(stamped, path)


# --- the exports folder as one dataset: a config per corpus plus pooled ----------------------

INDEX_CARD = "README.md"  # at the exports root, beside the dataset folders


def write_index_card(lake: Lake, root: str, datasets: Iterable[str]) -> str | None:
    """Write `<exports>/README.md`: one config per dataset (each corpus, and `pooled` as the
    default) pointing at the files of its current version (`LATEST`), with each version card's
    license, sources, annotators, tasks and features merged. `load_dataset(<exports>, "essays")`
    then reads one corpus and `load_dataset(<exports>)` the pooled set. Returns the card's path,
    or None when no dataset has a published version.

    Built only from the version cards, so it says nothing they do not; deterministic for the
    same versions, and written (whole) only when it changes."""
    cards = {}
    for dataset in sorted(datasets, key=lambda d: (d == POOLED, d)):
        latest = posixpath.join(root, dataset, "LATEST")
        if not lake.fs.exists(latest):
            continue
        with lake.fs.open(latest, "rb") as handle:
            version = handle.read().decode().strip()
        card_path = posixpath.join(root, dataset, version, "README.md")
        if not lake.fs.exists(card_path):
            continue
        with lake.fs.open(card_path, "rb") as handle:
            card = DatasetCard(handle.read().decode())
        if len(card.data.get("configs") or []) == 1 and card.data.get("dataset_info"):
            cards[dataset] = (version, card)  # a card by older code has no typed header
    if not cards:
        return None
    path = posixpath.join(root, INDEX_CARD)
    text = index_card_text(cards).encode()
    if not lake.fs.exists(path) or lake.fs.cat_file(path) != text:  # a rerun rewrites nothing
        lake.write_bytes(path, text)
    return path


def index_card_text(cards: Mapping[str, tuple[str, DatasetCard]]) -> str:
    """The exports root's card from the version cards (dataset -> (version, card))."""
    def union(key: str) -> list[str]:
        values: set[str] = set()
        for _, card in cards.values():
            value = card.data.get(key) or []
            values.update([value] if isinstance(value, str) else value)
        return sorted(values)

    default = POOLED if POOLED in cards else next(iter(cards))
    configs, infos, rows = [], [], {}
    for dataset, (version, card) in cards.items():
        (config,) = card.data.configs
        configs.append({"config_name": dataset, **({"default": True} if dataset == default else {}),
                        "data_files": [{"split": f["split"],
                                        "path": f"{dataset}/{version}/{f['path']}"}
                                       for f in config["data_files"]]})
        infos.append(card.data.dataset_info)
        rows[dataset] = {s["name"]: s["num_examples"] for s in card.data.dataset_info["splits"]}
    licenses = union("license")
    data = DatasetCardData(
        pretty_name="personality-warehouse",
        language=["en"],
        license=licenses[0] if len(licenses) == 1 else licenses,
        annotations_creators=union("annotations_creators"),
        language_creators=union("language_creators"),
        multilinguality="monolingual",
        size_categories=[size_category(sum(rows[default].values()))],
        source_datasets=union("source_datasets"),
        task_categories=["text-classification"],
        task_ids=union("task_ids"),
        tags=["personality", "psychology"],
        configs=configs,
        dataset_info=infos,
    )
    splits = list(SPLIT_NAMES)
    lines = ["# personality-warehouse exports", "",
             "One config per dataset: each corpus, and `pooled` (every corpus, the default). "
             "Each points at the current version of its export; that version's own card "
             "(linked) holds its statistics, baselines, licenses and citations. "
             f"`datasets.load_dataset(\"<this folder>\", \"<config>\")` reads one, with splits "
             f"{', '.join(splits)}.", "",
             "| config | version | " + " | ".join(splits) + " | license |",
             "|---|---|" + "---:|" * len(splits) + "---|"]
    for dataset, (version, card) in cards.items():
        license_ = card.data.license
        license_ = ", ".join(license_) if isinstance(license_, list) else license_
        counts = " | ".join(str(rows[dataset].get(s, 0)) for s in splits)
        lines.append(f"| [{dataset}]({dataset}/{version}/README.md) | {version} | {counts} | "
                     f"{license_} |")
    return card_text(data, "\n".join(lines) + "\n")
