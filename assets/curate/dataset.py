"""What the exports, the dataset card and the baselines share: one dataset's rows.

A dataset is one corpus or `pooled` (every corpus). Its query selects the curated documents with
their split, their labels pivoted wide (one column per scheme and trait, author labels joined
through the pseudonymous author id) and, when the contours stage has run, document and author
features. `export`, `card` and `baselines` all read a dataset through `dataset_query`, so none of
them imports another.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from assets.curate.flags import export_exclusion
from assets.curate.grain import ExportGrainError
from assets.lake import Lake
from assets.nlp.language import ENGLISH_COMPATIBLE, language_filter
from assets.privacy.label_mentions import mask_sql
from schemas.label_scales import SCALES, VALUE_COLUMNS, allowed_scales, export_column

POOLED = "pooled"
# Label sources in order of trust, when a subject has the same trait from several sources.
SOURCE_PRIORITY = ("test_result", "self_report", "crowd_aggregate", "annotator", "flair",
                   "third_party")
DOC_COLUMNS = ("doc_id", "corpus", "author_id", "kind", "text")
FEATURE_KEYS = {"doc_id", "author_id", "corpus", "source_file", "part"}
# Feature tables joined to documents on their full primary key: document features per doc_id,
# author features per (author_id, corpus), since one pseudonym can write in two corpora.
FEATURE_TABLES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("document_features", ("doc_id",), "feat_"),
    ("author_features", ("author_id", "corpus"), "author_feat_"),
)


@dataclass(frozen=True)
class ExportConfig:
    """What goes into an export; part of the version hash."""

    zone: str = "curated"
    include_features: bool = True
    row_group_rows: int = 10_000
    compression: str = "zstd"
    compression_level: int = 3
    # Self-disclosed labels ("I'm an INTJ", "4w5") become typed placeholders in the text the
    # exports and baselines read (`assets.privacy.label_mentions`); False keeps them.
    mask_label_mentions: bool = True
    # Bot authors' documents and all but one document of each duplicate group are left out of
    # training exports unless this is set (assets/curate/flags.py); they stay in the lake.
    keep_bots_and_duplicates: bool = False
    # English-only by default (every feature is English); `und` (too short to tell) is kept.
    # () keeps every language.
    languages: tuple[str, ...] = ENGLISH_COMPATIBLE

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)



def connect(lake: Lake) -> duckdb.DuckDBPyConnection:
    return lake.connect(memory_limit="1GB", threads=2)


def dataset_names(lake: Lake) -> list[str]:
    """Every corpus that has splits, then `pooled` when there is more than one."""
    corpora = lake.corpora("curated", "splits")
    return corpora + ([POOLED] if len(corpora) > 1 else [])


def label_column(scheme: str, trait: str, scale: str | None = None) -> str:
    """`big5_EXT` (0/1), `big5_EXT_pct` (percentiles), `mbti_I_E`, `mbti_type`,
    `demographic_age`: one column per scale (`schemas.label_scales.export_column`)."""
    return export_column(scheme, trait, scale or allowed_scales(scheme, trait)[0])


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _corpus_or_none(dataset: str) -> str | None:
    return None if dataset == POOLED else dataset


def _corpus_filter(dataset: str, column: str) -> str:
    if dataset == POOLED:
        return "true"
    return f"{column} = '{dataset.replace(chr(39), chr(39) * 2)}'"


@dataclass(frozen=True)
class DatasetQuery:
    """SQL for one dataset's rows (all splits), and the names of its label and feature columns."""

    sql: str
    label_columns: tuple[str, ...]
    feature_columns: tuple[str, ...]
    # label column -> its scale (binary, percentile, ...): what the card and baselines read
    label_scales: dict[str, str] = field(default_factory=dict)


def dataset_query(
    lake: Lake, con: duckdb.DuckDBPyConnection, dataset: str, config: ExportConfig
) -> DatasetQuery:
    rel = {t: lake.relation(config.zone, t) for t in ("documents", "labels")}
    rel["splits"] = lake.relation("curated", "splits")  # always ours
    corpus_ok = _corpus_filter(dataset, "corpus")
    priority = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SOURCE_PRIORITY))
    values = ", ".join(VALUE_COLUMNS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE best_labels AS
        SELECT * FROM (
            SELECT subject_id, subject_kind, corpus, scheme, trait, scale, {values}, value_cat,
                   row_number() OVER (
                       PARTITION BY subject_id, subject_kind, corpus, scheme, trait, scale
                       ORDER BY CASE source {priority} ELSE 99 END, source, {values}, value_cat
                   ) AS rank
            FROM {rel['labels']} WHERE {corpus_ok})
        WHERE rank = 1""")
    traits = con.execute("""
        SELECT DISTINCT scheme, trait, scale FROM best_labels ORDER BY scheme, trait, scale
        """).fetchall()
    unscaled = sorted({f"{scheme}/{trait}" for scheme, trait, scale in traits if scale is None})
    if unscaled:
        # parts written before labels named their scale: refused rather than guessed
        raise ExportGrainError(f"labels without a scale ({', '.join(unscaled)}): re-ingest, or "
                               "rerun the annotation job for crowd labels, before exporting")
    pivots, label_cols, scales = [], [], {}
    for scheme, trait, scale in traits:
        name = label_column(scheme, trait, scale)
        value = SCALES[scale].column or "value_cat"
        pivots.append(f"max({value}) FILTER (WHERE scheme = '{scheme}' AND trait = '{trait}' "
                      f"AND scale = '{scale}') AS {_quote(name)}")
        label_cols.append(name)
        scales[name] = scale

    def wide(kind: str) -> str:
        body = ", ".join(["subject_id", "corpus", *pivots]) if pivots else "subject_id, corpus"
        return (f"SELECT {body} FROM best_labels WHERE subject_kind = '{kind}' "
                "GROUP BY subject_id, corpus")

    select = [f"d.{c}" for c in DOC_COLUMNS]
    if config.mask_label_mentions:
        select[DOC_COLUMNS.index("text")] = f"{mask_sql('d.text')} AS text"
    select += [f"coalesce(ld.{_quote(c)}, la.{_quote(c)}) AS {_quote(c)}" for c in label_cols]
    joins = [
        f"JOIN {rel['splits']} s ON s.doc_id = d.doc_id",
        f"LEFT JOIN ({wide('author')}) la ON la.subject_id = d.author_id AND la.corpus = d.corpus",
        f"LEFT JOIN ({wide('document')}) ld ON ld.subject_id = d.doc_id AND ld.corpus = d.corpus",
    ]
    feature_cols: list[str] = []
    if config.include_features:
        for table, keys, prefix in FEATURE_TABLES:
            numeric = _numeric_columns(lake, con, config.zone, table, keys)
            if not numeric:
                continue
            alias = prefix.rstrip("_")
            on = " AND ".join(f"{alias}.{k} = d.{k}" for k in keys)
            joins.append(f"LEFT JOIN {lake.relation(config.zone, table)} "
                         f"{alias} ON {on}")
            for column in numeric:
                name = f"{prefix}{column}"
                select.append(f"{alias}.{_quote(column)}::DOUBLE AS {_quote(name)}")
                feature_cols.append(name)
    kept = document_filter(lake, dataset, config)
    sql = (f"SELECT s.split, {', '.join(select)} FROM {rel['documents']} d {' '.join(joins)} "
           f"WHERE {_corpus_filter(dataset, 'd.corpus')} AND {kept}")
    return DatasetQuery(sql, tuple(label_cols), tuple(feature_cols), scales)


def document_filter(lake: Lake, dataset: str, config: ExportConfig) -> str:
    """SQL on documents `d`: the documents a training export leaves out by default (bot authors,
    all but one of each duplicate group, languages other than English), kept by the settings.
    The export's grain check uses the same condition, so what is left out is not "missing"."""
    bots_and_duplicates = export_exclusion(lake, config.keep_bots_and_duplicates,
                                           _corpus_or_none(dataset))
    return f"({bots_and_duplicates}) AND ({language_filter(config.languages)})"


def _numeric_columns(
    lake: Lake, con: duckdb.DuckDBPyConnection, zone: str, table: str, keys: tuple[str, ...]
) -> list[str]:
    """Numeric columns of a feature table (one row per key), or [] if it has no part yet.

    A table whose parts lack a key column (written before the key existed) is refused rather
    than joined on part of its key, which would repeat documents."""
    if not lake.list_parts(zone, table):
        return []
    described = con.execute(
        f"DESCRIBE SELECT * FROM {lake.relation(zone, table)}").fetchall()
    names = [name for name, *_ in described]
    missing = [k for k in keys if k not in names]
    if missing:
        raise ExportGrainError(f"{zone}/{table} has no {missing} column: rebuild it before "
                               "exporting (its rows cannot be matched to one document each)")
    numeric = ("DOUBLE", "FLOAT", "INTEGER", "BIGINT", "SMALLINT", "DECIMAL", "HUGEINT")
    return [name for name, ctype, *_ in described
            if name not in FEATURE_KEYS and str(ctype).startswith(numeric)]
