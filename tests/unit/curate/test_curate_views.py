"""The curate views bind on an empty lake, and join documents, labels, splits and features."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow as pa

from assets.curate.splits import build_splits
from assets.lake import Lake
from assets.warehouse.views import ANALYST_DB, build_database
from schemas.registry import table_schema
from tests.unit.curate.fixtures import write_corpus

CURATE_VIEWS = ("doc_features_split", "doc_splits", "split_labels", "split_summary")
README = Path(__file__).resolve().parents[3] / "warehouse" / "README.md"


def test_when_lake_is_empty_then_curate_views_bind_and_are_empty(lake: Lake, tmp_path):
    counts = build_database(lake, ANALYST_DB, str(tmp_path), table_schema)
    assert {v: counts[v] for v in CURATE_VIEWS} == dict.fromkeys(CURATE_VIEWS, 0)


def test_when_splits_and_features_exist_then_views_join_them(lake: Lake, tmp_path):
    write_corpus(lake, "essays", range(40))
    write_corpus(lake, "friends", range(10), with_author=False)
    build_splits(lake)
    features = pa.table({"doc_id": [f"essays-d{i:05d}" for i in range(40)],
                         "mean_valence": [i / 40 for i in range(40)]})
    lake.write_part("curated", "document_features", "essays", "p0", features)
    counts = build_database(lake, ANALYST_DB, str(tmp_path), table_schema)
    assert counts["doc_splits"] == 50 and counts["split_labels"] == 250
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT count(features.mean_valence) FROM doc_features_split"
                       ).fetchall() == [(40,)]
    leaks = con.execute("""SELECT count(*) FROM (SELECT subject_id FROM split_labels
                           GROUP BY 1 HAVING count(DISTINCT split) > 1)""").fetchall()
    assert leaks == [(0,)]


def test_when_readme_examples_run_then_they_succeed(lake: Lake, tmp_path):
    write_corpus(lake, "essays", range(40))
    build_splits(lake)
    build_database(lake, ANALYST_DB, str(tmp_path), table_schema)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    section = README.read_text().split("## Curated splits and exports", 1)[1]
    queries = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    statements = [s for q in queries for s in q.split(";") if s.strip()
                  and not all(line.startswith("--") for line in s.strip().splitlines())]
    assert len(statements) >= 3
    for statement in statements:
        con.execute(statement).fetchall()
