"""Exports and baselines read masked text by default, and the unmasked text when asked; the
curated text is never changed; the card counts the mentions and compares the baselines."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from assets.curate.baselines import BaselineConfig, run_masked_and_kept, subject_frame
from assets.curate.dataset import ExportConfig
from assets.curate.export import export_dataset
from assets.curate.splits import build_splits
from assets.lake import Lake
from tests.unit.curate.fixtures import essay_text, write_corpus

TYPES = ("INTJ", "ENFP", "ISTP", "infj-t")
ANY_TYPE = re.compile(r"\b[IE][NS][TF][JP]\b", re.IGNORECASE)


def _texts() -> dict[int, str]:
    """Every third author names a type, some also a wing and a score."""
    texts = {}
    for i in range(0, 120, 3):
        traits = {t: (i >> k) & 1 for k, t in enumerate(("EXT", "NEU", "AGR", "CON", "OPN"))}
        texts[i] = (f"As an {TYPES[i % 4]} (4w5), 89% introverted. "
                    + essay_text("essays", i, traits))
    return texts


@pytest.fixture
def curated(lake: Lake) -> Lake:
    write_corpus(lake, "essays", range(120), texts=_texts())
    build_splits(lake)
    return lake


def _exported_texts(path: str) -> list[str]:
    texts: list[str] = []
    for split in ("train", "dev", "test"):
        texts += pq.read_table(Path(path, "data", f"{split}.parquet")).column("text").to_pylist()
    return texts


def test_when_exported_by_default_then_no_mbti_type_is_left_in_the_text(curated, tmp_path):
    before = Path(curated.list_parts("curated", "documents")[0]).read_bytes()
    result = export_dataset(curated, "essays", exports_root=str(tmp_path / "x"))
    texts = _exported_texts(result.path)
    assert len(texts) == 120
    assert not any(ANY_TYPE.search(t) for t in texts)
    assert sum("As an [MBTI_TYPE] ([ENNEAGRAM]), [TRAIT_SCORE]." in t for t in texts) == 40
    jsonl = "".join(Path(result.path, "jsonl", f"{s}.jsonl").read_text()
                    for s in ("train", "dev", "test"))
    assert not ANY_TYPE.search(jsonl)
    # the curated zone keeps the text as it was
    assert Path(curated.list_parts("curated", "documents")[0]).read_bytes() == before


def test_when_masking_turned_off_then_the_export_keeps_the_types(curated, tmp_path):
    masked = export_dataset(curated, "essays", exports_root=str(tmp_path / "x"))
    kept = export_dataset(curated, "essays", ExportConfig(mask_label_mentions=False),
                          exports_root=str(tmp_path / "x"))
    texts = _exported_texts(kept.path)
    assert sum(bool(ANY_TYPE.search(t)) for t in texts) == 40
    assert not any("[MBTI_TYPE]" in t for t in texts)
    assert kept.version != masked.version


def test_when_masked_twice_then_export_bytes_are_identical(curated, tmp_path):
    first = export_dataset(curated, "essays", exports_root=str(tmp_path / "a"))
    second = export_dataset(curated, "essays", exports_root=str(tmp_path / "b"))
    assert first.version == second.version
    for split in ("train", "dev", "test"):
        name = Path("data", f"{split}.parquet")
        assert Path(first.path, name).read_bytes() == Path(second.path, name).read_bytes()


def test_when_baselines_run_then_they_read_masked_text_and_record_both(curated, tmp_path):
    frame, _, _ = subject_frame(curated, "essays", BaselineConfig())
    assert not frame["text"].str.contains(ANY_TYPE).any()
    kept, _, _ = subject_frame(curated, "essays", BaselineConfig(),
                               ExportConfig(mask_label_mentions=False))
    assert kept["text"].str.contains(ANY_TYPE).sum() == 40

    scores = run_masked_and_kept(curated, "essays", BaselineConfig())
    masked = {(s["trait"], s["model"]) for s in scores if s["masked"]}
    unmasked = {(s["trait"], s["model"]) for s in scores if not s["masked"]}
    assert unmasked and {m for _, m in unmasked} == {"tfidf_lr"} and unmasked <= masked

    result = export_dataset(curated, "essays", baselines=scores,
                            exports_root=str(tmp_path / "x"))
    card = Path(result.path, "README.md").read_text()
    assert "### Self-disclosed labels" in card
    assert "| essays | 120 | 40 (33.3%) | 120 | 40 (33.3%) |" in card
    assert "| trait | model | metric | masked | kept | kept − masked |" in card
    # the main table shows the masked scores only: one row per trait and metric
    main = card.split("## Baselines")[1].split("### Self-disclosed labels")[0]
    assert main.count("`big5_EXT` | accuracy") == 1


def test_when_masked_in_sql_then_null_text_stays_null():
    from assets.privacy.label_mentions import mask_sql

    assert duckdb.sql(f"SELECT {mask_sql('NULL::VARCHAR')}").fetchall() == [(None,)]
