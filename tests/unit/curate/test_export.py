"""Exports: manifest hashes, byte-identical re-export, versions that follow the data, the
dataset card, JSONL equal to Parquet, and the Hugging Face parquet loader."""

from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from assets.curate.baselines import BaselineConfig, run_baselines
from assets.curate.export import export_dataset
from assets.curate.splits import build_splits
from assets.lake import Lake
from assets.platform.chunks import rebatch
from tests.unit.curate.fixtures import write_corpus


@pytest.fixture
def curated(lake: Lake) -> Lake:
    write_corpus(lake, "essays", range(120))
    write_corpus(lake, "friends", range(30), with_author=False)
    build_splits(lake)
    return lake


def tree(folder: str) -> dict[str, str]:
    root = Path(folder)
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_when_exported_then_manifest_hashes_every_file_and_counts_rows(curated: Lake):
    result = export_dataset(curated, "essays")
    files = tree(result.path)
    manifest = json.loads(Path(result.path, "manifest.json").read_text())
    assert set(manifest["files"]) == set(files) - {"manifest.json"}
    assert all(manifest["files"][p]["sha256"] == h
               for p, h in files.items() if p in manifest["files"])
    assert manifest["rows"] == result.rows and sum(result.rows.values()) == 120
    assert {"data/train.parquet", "data/dev.parquet", "data/test.parquet", "jsonl/test.jsonl",
            "README.md", "figures/label_balance.png", "figures/text_lengths.png"} <= set(files)
    assert manifest["version"] == result.version == Path(result.path).name
    assert manifest["config"]["splits"]["seed"] and "+" in manifest["code_version"]
    assert [p["part"] for p in manifest["source_parts"]][:1] == [
        "lake/curated/documents/corpus=essays/p0.parquet"]


def test_when_reexported_from_scratch_then_files_are_byte_identical(curated: Lake, tmp_path):
    first = export_dataset(curated, "pooled", exports_root=str(tmp_path / "a"))
    second = export_dataset(curated, "pooled", exports_root=str(tmp_path / "b"))
    assert first.version == second.version
    assert tree(first.path) == tree(second.path)
    again = export_dataset(curated, "pooled", exports_root=str(tmp_path / "a"))
    assert again.reused and tree(again.path) == tree(first.path)


def test_when_data_changes_then_version_changes(curated: Lake):
    before = export_dataset(curated, "essays")
    write_corpus(curated, "essays", range(120, 130), part="p1")
    build_splits(curated)
    after = export_dataset(curated, "essays")
    assert after.version != before.version and Path(before.path).exists()
    latest = Path(curated.path("exports", "essays", "LATEST")).read_text().strip()
    assert latest == after.version


def test_when_card_written_then_it_has_datasheet_sections_figures_and_baselines(curated: Lake):
    scores = run_baselines(curated, "essays")
    result = export_dataset(curated, "essays", baselines=scores)
    card = Path(result.path, "README.md").read_text()
    for section in ("## Motivation", "## Composition", "## Collection process", "## Labelling",
                    "## Preprocessing and PII handling", "## Splits", "## Baselines", "## Uses"):
        assert section in card
    assert "| `big5_EXT` | accuracy |" in card and "58.1 acc (Majumder et al. 2017)" in card
    assert "![label_balance](figures/label_balance.png)" in card
    assert "path: data/dev.parquet" in card  # the Hugging Face configs header


def test_when_baselines_run_on_cue_words_then_tfidf_beats_majority(curated: Lake):
    rows = run_baselines(curated, "essays")
    scores = {(r["trait"], r["model"], r["metric"]): r["value"] for r in rows}
    majority = scores[("big5_EXT", "majority", "accuracy")]
    assert scores[("big5_EXT", "tfidf_lr", "accuracy")] > majority
    assert ("big5_EXT", "contours_lr", "accuracy") not in scores  # no features yet


def test_when_train_exceeds_the_cap_then_the_same_first_subjects_by_id_train(curated: Lake):
    capped = BaselineConfig(max_train_subjects=40)
    rows = run_baselines(curated, "essays", capped)
    assert rows and {r["n_train"] for r in rows} == {40}
    assert rows == run_baselines(curated, "essays", capped)


def test_when_jsonl_read_then_it_equals_the_parquet_rows(curated: Lake):
    result = export_dataset(curated, "pooled")
    for split in ("train", "dev", "test"):
        rows = pq.read_table(posixpath.join(result.path, "data", f"{split}.parquet")).to_pylist()
        lines = Path(result.path, "jsonl", f"{split}.jsonl").read_text().splitlines()
        assert [json.loads(line) for line in lines] == rows


def test_when_loaded_with_hf_parquet_loader_then_splits_and_columns_arrive(curated: Lake, tmp_path):
    from datasets import load_dataset

    result = export_dataset(curated, "essays")
    files = {s: posixpath.join(result.path, "data", f"{s}.parquet")
             for s in ("train", "dev", "test")}
    loaded = load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "hf"))
    assert {s: loaded[s].num_rows for s in files} == result.rows
    assert {"doc_id", "text", "author_id", "big5_EXT"} <= set(loaded["train"].column_names)


def test_when_batches_are_ragged_then_rebatch_gives_fixed_row_groups():
    import pyarrow as pa

    batches = [pa.record_batch({"x": list(range(n))}) for n in (3, 7, 1, 5)]
    tables = rebatch((pa.Table.from_batches([b]) for b in batches), 4)
    assert [t.num_rows for t in tables] == [4, 4, 4, 4]


def test_when_contours_exist_then_card_shows_a_contour_example(curated: Lake):
    import pyarrow as pa

    table = read_train_doc(curated)
    contours = pa.table({"doc_id": [table] * 4, "window_idx": [0, 1, 2, 3],
                         "nrc_valence": [0.4, 0.6, 0.5, 0.7]})
    curated.write_part("curated", "contours", "essays", "p0", contours)
    result = export_dataset(curated, "essays")
    assert Path(result.path, "figures", "contour_example.png").stat().st_size > 1000
    assert "figures/contour_example.png" in Path(result.path, "README.md").read_text()


def read_train_doc(lake: Lake) -> str:
    from assets.curate.splits import read_splits

    rows = read_splits(lake, "essays").to_pylist()
    return next(r["doc_id"] for r in rows if r["split"] == "train")


def annotation_rows(ratings: dict[str, list[int]], project: str = "big5",
                    corpus: str = "essays") -> list[dict]:
    """One row per annotator and document: `ratings[field][k]` is document k // 3's rating by
    annotator k % 3."""
    rows = []
    for field, values in ratings.items():
        for k, value in enumerate(values):
            rows.append({"annotation_id": 1000 * (k % 3) + k // 3, "project": project,
                         "task_id": k // 3, "doc_id": f"essays_{k // 3}", "corpus": corpus,
                         "annotator": f"ann_{k % 3:016x}", "field": field, "value": str(value)})
    return rows


def test_when_crowd_annotated_then_card_reports_alpha_per_project_and_trait(curated: Lake):
    import pyarrow as pa

    from schemas.annotation import ANNOTATIONS

    ratings = {"EXT": [1, 1, 1, -1, -1, -1, 0, 0, 0, 1, 1, 1],  # full agreement: alpha 1
               "NEU": [1, -1, 0, -1, 1, 0, 0, 1, -1, 1, 0, -1]}  # every item split three ways
    curated.write_part("curated", "annotations", "essays", "big5",
                       pa.Table.from_pylist(annotation_rows(ratings), schema=ANNOTATIONS))
    card = Path(export_dataset(curated, "essays").path, "README.md").read_text()
    section = card[card.index("### Crowd agreement"):card.index("## Preprocessing")]
    assert "| big5 | EXT | 1.000 | ordinal | 4 | 12 | 1.000 |" in section
    neu = next(line for line in section.splitlines() if line.startswith("| big5 | NEU |"))
    assert float(neu.split("|")[3]) < 0
    friends = Path(export_dataset(curated, "friends").path, "README.md").read_text()
    assert "No crowd annotations of these documents yet" in friends
