"""Baselines' subject frame: per-subject means added in doc_id order, whatever the threads.

The frame once used ordered aggregates (`avg(x ORDER BY doc_id)`), which buffer every value of
every feature column per group and ran out of memory on the real corpora. Its replacement
stores the rows in doc_id order and aggregates them with one thread; this test holds it to the
ordered aggregates' results, bit for bit, on subjects with several documents each."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.parquet as pq

from assets.curate.baselines import BaselineConfig, subject_frame
from assets.curate.dataset import ExportConfig, connect, dataset_query
from assets.curate.splits import build_splits
from assets.lake import Lake
from schemas.feature_catalog import DOCUMENT_FEATURES
from tests.unit.curate.fixtures import write_corpus


def _write_features(lake: Lake, corpus: str, doc_ids: list[str], seed: int) -> None:
    """Random values with many significant bits, so an order change would show in the sums."""
    rng = random.Random(seed)
    columns = {}
    for field in DOCUMENT_FEATURES:
        if field.name == "doc_id":
            columns[field.name] = doc_ids
        elif pa.types.is_floating(field.type):
            columns[field.name] = [rng.uniform(-1e6, 1e6) / 3.0 for _ in doc_ids]
        else:
            columns[field.name] = [rng.randint(0, 500) for _ in doc_ids]
    lake.write_part("curated", "document_features", corpus, "p0",
                    pa.Table.from_pydict(columns, schema=DOCUMENT_FEATURES))


def _ordered_reference(lake: Lake, dataset: str, config: BaselineConfig):
    """The ordered-aggregate formulation the frame must equal."""
    con = connect(lake)
    try:
        query = dataset_query(lake, con, dataset, ExportConfig())
        labels = [c for c in query.label_columns if not c.startswith("demographic_")]
        aggs = [f'max("{c}") AS "{c}"' for c in labels]
        aggs += [f'avg("{c}" ORDER BY doc_id) AS "{c}"' for c in query.feature_columns]
        return con.sql(f"""SELECT split, coalesce(author_id, doc_id) AS subject,
            left(string_agg(text, ' ' ORDER BY doc_id), {config.max_chars_per_subject}) AS text,
            {', '.join(aggs)} FROM ({query.sql}) GROUP BY split, subject
            ORDER BY split, subject""").df()
    finally:
        con.close()


def test_when_subjects_have_several_documents_then_means_equal_ordered_aggregates(tmp_path):
    lake = Lake.at(str(tmp_path / "wh"))
    # 60 authors; a second part gives 40 of them another document, whose id sorts after
    # their first (same author, doc_id + "b").
    write_corpus(lake, "essays", range(60))
    first = pq.read_table(lake.list_parts("curated", "documents")[0]).slice(0, 40)
    second = first.set_column(0, "doc_id", pa.array([f"{d}b" for d in
                                                     first.column("doc_id").to_pylist()]))
    second = second.set_column(second.schema.get_field_index("text"), "text", pa.array(
        [f"more words from author {i}" for i in range(40)]))
    lake.write_part("curated", "documents", "essays", "p1", second)
    docs = lake.relation("curated", "documents")
    with connect(lake) as con:
        ids = [r[0] for r in con.execute(f"SELECT doc_id FROM {docs} ORDER BY doc_id").fetchall()]
    _write_features(lake, "essays", sorted(set(ids)), seed=3)
    build_splits(lake)
    config = BaselineConfig()

    frame, labels, features = subject_frame(lake, "essays", config)

    reference = _ordered_reference(lake, "essays", config)
    assert list(frame.columns) == list(reference.columns)
    assert len(frame) == 60 and features
    for column in reference.columns:
        assert frame[column].equals(reference[column]), column
