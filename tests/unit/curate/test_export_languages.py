"""Exports are English-only by default (every feature is English): documents in another
language stay in the curated zone, are counted in the card, and are exported on request."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from assets.curate.dataset import ExportConfig
from assets.curate.export import export_dataset
from assets.curate.splits import build_splits
from assets.lake import Lake
from tests.unit.curate.fixtures import write_corpus

SPANISH = {3: "Hoy cociné paella por primera vez y salió bastante bien.",
           7: "No entiendo por qué la gente odia tanto los lunes.",
           11: "Mein Hund hat schon wieder meinen Schuh gefressen."}
LANGUAGES = {3: ("es", 0.99), 7: ("es", 0.98), 11: ("de", 0.97), 12: ("und", 0.0)}


def _with_languages(lake: Lake) -> Lake:
    """The fixture corpus, each document given the language the pipeline would store."""
    write_corpus(lake, "essays", range(60), texts=SPANISH)
    path = lake.part_path("curated", "documents", "essays", "p0")
    table = pq.read_table(path)
    numbers = [int(d.rsplit("d", 1)[1]) for d in table.column("doc_id").to_pylist()]
    guesses = [LANGUAGES.get(n, ("en", 0.9)) for n in numbers]
    table = table.set_column(table.schema.get_field_index("language"), "language",
                             pa.array([g[0] for g in guesses], pa.string()))
    table = table.set_column(table.schema.get_field_index("language_confidence"),
                             "language_confidence", pa.array([g[1] for g in guesses]))
    lake.write_part("curated", "documents", "essays", "p0", table)
    build_splits(lake)
    return lake


def _exported_ids(path: str) -> set[str]:
    return {d for split in ("train", "dev", "test")
            for d in pq.read_table(Path(path, "data", f"{split}.parquet"),
                                   columns=["doc_id"]).column("doc_id").to_pylist()}


def test_when_exported_by_default_then_only_english_and_undetermined_documents(lake: Lake):
    _with_languages(lake)
    result = export_dataset(lake, "essays")
    ids = _exported_ids(result.path)
    assert len(ids) == 57 and sum(result.rows.values()) == 57
    assert "essays-d00012" in ids  # und: too short to tell, kept with English
    assert not ids & {"essays-d00003", "essays-d00007", "essays-d00011"}
    card = Path(result.path, "README.md").read_text()
    assert "## Languages" in card
    assert "| essays | 60 | 56 | 1 | 3 | es 2, de 1 |" in card


def test_when_every_language_configured_then_all_documents_exported(lake: Lake):
    _with_languages(lake)
    result = export_dataset(lake, "essays", ExportConfig(languages=()))
    assert len(_exported_ids(result.path)) == 60
    default = export_dataset(lake, "essays")
    assert default.version != result.version  # the setting is part of the version
