"""The export as the Hugging Face ecosystem reads it: the card's header parses with
`huggingface_hub` and says license, size, sources, annotators, tasks and configs; `datasets`
loads a real export folder with the card's split names and `ClassLabel` MBTI features; every
Parquet file carries the version and the card's link; the license facts are what each corpus's
SOURCE.md states."""

from __future__ import annotations

import hashlib
import posixpath
import re
from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.curate.export import export_dataset
from assets.curate.hub import (
    CARD_LINK,
    CLASS_LABELS,
    card_data,
    class_labels,
    size_category,
    write_index_card,
)
from assets.curate.splits import build_splits
from assets.ingest.readers import mbti_kaggle
from assets.ingest.registry import FAMILIES
from assets.ingest.sources import SourceFile
from assets.lake import Lake
from assets.privacy.leaks import iter_structured
from schemas.curated import CURATED_DOCUMENTS, CURATED_LABELS
from schemas.splits import SPLIT_NAMES
from tests.unit.curate.fixtures import write_corpus

AUTHORS_PER_TYPE = 3
POSTS_PER_AUTHOR = 4


@pytest.fixture(scope="module")
def kaggle_rows(real_corpora: Path) -> list[tuple[str, dict]]:
    """The real Kaggle MBTI subset as its reader emits it: the first authors of every type,
    a few posts each (enough for all three splits, small enough to export in seconds), leaving
    out posts with a structured identifier (handles, addresses), which the privacy stage would
    have replaced."""
    source = SourceFile(fsspec.filesystem("file"), str(real_corpora / "mbti_kaggle"),
                        "mbti_kaggle", "mbti_subset.csv.gz")
    rows = list(mbti_kaggle.read(source))
    types = {r["subject_id"]: r["value_cat"] for t, r in rows
             if t == "labels" and r["trait"] == "type"}
    kept: dict[str, int] = {}
    chosen = set()
    for author, mbti in types.items():
        if kept.get(mbti, 0) < AUTHORS_PER_TYPE:
            kept[mbti] = kept.get(mbti, 0) + 1
            chosen.add(author)
    posts: dict[str, int] = {}
    out = []
    for table, row in rows:
        author = row.get("author_id") if table == "documents" else row.get("subject_id")
        if author not in chosen or table not in ("documents", "labels"):
            continue
        if table == "documents":
            if next(iter_structured(row["text"]), None):
                continue  # not anonymised here: keep the export's leak scan quiet
            posts[author] = posts.get(author, 0) + 1
            if posts[author] > POSTS_PER_AUTHOR:
                continue
        out.append((table, row))
    return out


def write_curated(lake: Lake, rows: list[tuple[str, dict]]) -> None:
    """The reader's rows as curated parts (the privacy stage's output shape, text as read)."""
    docs = [{**r, "pii_counts": "{}"} for t, r in rows if t == "documents"]
    labels = [r for t, r in rows if t == "labels"]
    lake.write_part("curated", "documents", "mbti_kaggle", "p0",
                    pa.Table.from_pylist(docs, CURATED_DOCUMENTS))
    lake.write_part("curated", "labels", "mbti_kaggle", "p0",
                    pa.Table.from_pylist(labels, CURATED_LABELS))


@pytest.fixture
def exported(lake: Lake, kaggle_rows) -> dict[str, str]:
    """Real MBTI and synthetic essays curated, split, and exported per corpus and pooled."""
    write_curated(lake, kaggle_rows)
    write_corpus(lake, "essays", range(60))
    build_splits(lake)
    return {d: export_dataset(lake, d).path for d in ("mbti_kaggle", "essays", "pooled")}


def test_when_card_loaded_then_header_has_license_size_sources_tasks_and_configs(exported):
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(Path(exported["mbti_kaggle"], "README.md"))
    data = card.data
    assert data.license == "unknown"  # SOURCE.md: none stated
    assert data.size_categories == ["n<1K"]
    assert data.source_datasets == ["extended|other-kaggle-mbti-type"]
    assert data.annotations_creators == ["found"]
    assert data.task_categories == ["text-classification"]
    assert "multi-class-classification" in data.task_ids
    assert data.language == ["en"]
    (config,) = data.configs
    assert config["config_name"] == "mbti_kaggle"
    assert [f["split"] for f in config["data_files"]] == list(SPLIT_NAMES)
    assert "## Motivation" in card.text and "## License and citation" in card.text
    bib = Path(exported["mbti_kaggle"], "CITATION.bib").read_text()
    assert "@misc{mitchell2017mbti" in bib and "@misc{personality_warehouse_mbti_kaggle" in bib
    assert "[`CITATION.bib`](CITATION.bib)" in card.text


def test_when_pooled_then_licenses_of_every_corpus_and_their_citations(exported):
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(Path(exported["pooled"], "README.md"))
    assert card.data.license == "unknown"  # Kaggle MBTI and Essays both state none
    assert card.data.source_datasets == ["extended|other-essays-pennebaker-king-1999",
                                         "extended|other-kaggle-mbti-type"]
    assert card.data.configs[0]["config_name"] == "pooled"
    bib = Path(exported["pooled"], "CITATION.bib").read_text()
    assert "@article{pennebaker1999linguistic" in bib and "@misc{mitchell2017mbti" in bib
    assert "| essays | unknown |" in card.text and "| mbti_kaggle | unknown |" in card.text


def test_when_export_folder_loaded_then_mbti_columns_are_class_labels_and_splits_match(
        exported, tmp_path):
    from datasets import ClassLabel, load_dataset
    from huggingface_hub import DatasetCard

    folder = exported["mbti_kaggle"]
    loaded = load_dataset(folder, cache_dir=str(tmp_path / "hf"))
    card = DatasetCard.load(Path(folder, "README.md"))
    assert list(loaded) == [f["split"] for f in card.data.configs[0]["data_files"]]
    feature = loaded["train"].features["mbti_type"]
    assert isinstance(feature, ClassLabel) and feature.names == CLASS_LABELS["mbti_type"]
    assert len(feature.names) == 16
    axis = loaded["train"].features["mbti_I_E"]
    assert isinstance(axis, ClassLabel) and axis.names == ["E", "I"]
    # The class index decodes to the very type and pole stored in the Parquet file.
    stored = pq.read_table(posixpath.join(folder, "data", "train.parquet")).to_pylist()
    decoded = [(feature.int2str(r["mbti_type"]), axis.int2str(r["mbti_I_E"]))
               for r in loaded["train"]]
    assert decoded == [(r["mbti_type"], "I" if r["mbti_I_E"] == 1 else "E") for r in stored]
    assert {s: loaded[s].num_rows for s in loaded} == {
        s: pq.read_metadata(posixpath.join(folder, "data", f"{s}.parquet")).num_rows
        for s in SPLIT_NAMES}


def test_when_export_written_then_every_parquet_file_names_version_split_and_card(exported):
    for dataset, folder in exported.items():
        for split in SPLIT_NAMES:
            path = posixpath.join(folder, "data", f"{split}.parquet")
            meta = pq.read_schema(path).metadata
            assert meta[b"pw.dataset"] == dataset.encode()
            assert meta[b"pw.version"] == Path(folder).name.encode()
            assert meta[b"pw.split"] == split.encode()
            assert meta[b"pw.card"] == CARD_LINK.encode()
            assert Path(folder, "data", CARD_LINK).resolve() == Path(folder, "README.md")


def test_when_exported_twice_then_stamped_files_and_card_are_byte_identical(
        lake: Lake, kaggle_rows, tmp_path):
    write_curated(lake, kaggle_rows)
    build_splits(lake)
    first = export_dataset(lake, "mbti_kaggle", exports_root=str(tmp_path / "a"))
    second = export_dataset(lake, "mbti_kaggle", exports_root=str(tmp_path / "b"))
    digest = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
              for p in sorted(Path(first.path).rglob("*")) if p.is_file()}
    again = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted(Path(second.path).rglob("*")) if p.is_file()}
    assert first.version == second.version and digest == again


def test_when_index_card_written_then_one_config_per_corpus_and_pooled_load(
        lake: Lake, exported, tmp_path):
    from datasets import ClassLabel, load_dataset
    from huggingface_hub import DatasetCard

    root = lake.path("exports")
    path = write_index_card(lake, root, ["pooled", "essays", "mbti_kaggle"])
    card = DatasetCard.load(path)
    assert [c["config_name"] for c in card.data.configs] == ["essays", "mbti_kaggle", "pooled"]
    assert [c.get("default") for c in card.data.configs] == [None, None, True]
    assert card.data.license == "unknown" and "found" in card.data.annotations_creators
    essays = load_dataset(root, "essays", cache_dir=str(tmp_path / "hf"))
    pooled = load_dataset(root, cache_dir=str(tmp_path / "hf"))
    assert list(essays) == list(pooled) == list(SPLIT_NAMES)
    assert sum(essays[s].num_rows for s in essays) == 60
    assert set(pooled["train"]["corpus"]) == {"essays", "mbti_kaggle"}
    assert isinstance(pooled["train"].features["mbti_type"], ClassLabel)


@pytest.mark.parametrize("rows, category", [(0, "n<1K"), (999, "n<1K"), (1_000, "1K<n<10K"),
                                            (29_661, "10K<n<100K"), (10**8, "n>10M")])
def test_when_rows_counted_then_size_category_is_the_hub_bucket(rows, category):
    assert size_category(rows) == category


def test_when_source_states_a_license_then_the_registry_says_the_same(real_corpora: Path):
    """Each corpus folder's SOURCE.md `License:` line against the registry: `none stated` is
    `unknown`, MIT is `mit`; a family without a folder (PANDORA) states none here either."""
    checked = 0
    for name, family in FAMILIES.items():
        source = real_corpora / name / "SOURCE.md"
        expected = "unknown"
        if source.exists():
            stated = re.search(r"^- License: (.+)$", source.read_text(), re.MULTILINE)
            assert stated, f"{source} has no License line"
            expected = ("unknown" if stated.group(1).lower().startswith("none stated")
                        else stated.group(1).split(".")[0].split()[0].lower())
            checked += 1
        assert family.provenance.license == expected, name
        assert family.provenance.license_note and family.provenance.annotations_creators
    assert checked == 5


def test_when_a_value_is_not_one_of_the_class_names_then_the_column_stays_plain():
    import duckdb

    con = duckdb.connect()
    con.execute("""CREATE VIEW exported AS SELECT * FROM (VALUES
        ('INTJ', 1.0, 0.0), ('ENFP', 0.0, NULL), (NULL, 1.0, 0.5))
        AS t(mbti_type, mbti_I_E, mbti_J_P)""")
    labels = class_labels(con, ["mbti_type", "mbti_I_E", "mbti_J_P", "big5_EXT"])
    assert labels == {"mbti_type": CLASS_LABELS["mbti_type"], "mbti_I_E": ["E", "I"]}


def test_when_crowd_labels_are_exported_then_annotators_include_the_crowd():
    schema = pa.schema([("doc_id", pa.string()), ("big5_EXT", pa.float64())])
    stats = {"big5_EXT": {"kind": "binary"}}
    found = card_data("essays", ["essays"], schema, {"train": 5}, stats, {}, ["test_result"])
    crowd = card_data("essays", ["essays"], schema, {"train": 5}, stats, {},
                      ["test_result", "crowd_aggregate"])
    assert found.annotations_creators == ["found"]
    assert crowd.annotations_creators == ["crowdsourced", "found"]
    assert crowd.dataset_info["features"] == [{"name": "doc_id", "dtype": "string"},
                                              {"name": "big5_EXT", "dtype": "float64"}]


def test_when_pooled_corpora_differ_in_license_then_the_header_lists_each():
    schema = pa.schema([("doc_id", pa.string()), ("mbti_type", pa.string())])
    stats = {"mbti_type": {"kind": "category"}, "big5_EXT_pct": {"kind": "percentile"}}
    data = card_data("pooled", ["essays", "twitter_mbti"], schema, {"train": 5}, stats,
                     {"mbti_type": CLASS_LABELS["mbti_type"]}, [])
    assert data.license == ["mit", "unknown"]
    assert data.annotations_creators == ["found", "other"]
    assert data.task_ids == ["multi-class-classification", "text-scoring"]
