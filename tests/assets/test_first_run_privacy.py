"""First-run privacy: a username known only from a later partition never reaches the curated
zone or an export on the first run, a leaking export is never published, and leaking versions
left by older runs are removed.

The corpora: tweets (partition `twitter_mbti`, run first) that mention `zephyrquill_42` and
`bramblewick_7`, who are authors only in a Reddit dump (partition `reddit_pushshift:RS_...`,
run later). Before the run order gathered every name first, the first run published both names
in the twitter_mbti, pooled curated text and exports.
"""

from __future__ import annotations

import json
import os
import posixpath
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from dagster import AssetKey, DagsterInstance

from assets.lake import Lake
from assets.privacy.anonymise_partitions import current_known_names, stale_partitions
from assets.privacy.exports import (
    ExportLeakError,
    assert_export_clean,
    remove_leaking_versions,
    scan_export,
)
from assets.privacy.leaks import LeakScanner
from tests.s3 import environment

LATER_NAMES = ("zephyrquill_42", "bramblewick_7")
TYPES = ["INTJ", "ENFP", "ISTP", "ESFJ", "INFP", "ENTJ"]


def _corpora(root: Path) -> Path:
    tweets = ["label|text"]
    for i in range(36):
        text = f"Tweet number {i} about my morning walk and the rain."
        if i == 3:
            text = "zephyrquill_42 was right about the book, ask bramblewick_7 too."
        if i == 11:
            text = "Still laughing at what Zephyrquill_42 posted last night."
        tweets.append(f"{TYPES[i % len(TYPES)]}|{text}")
    (root / "twitter_mbti").mkdir(parents=True)
    (root / "twitter_mbti" / "tweets.psv").write_text("\n".join(tweets) + "\n")
    posts = [{"author": LATER_NAMES[i % 2], "author_flair_text": None,
              "created_utc": 1456800000 + i, "id": f"p{i}", "title": f"Question {i}",
              "selftext": "I keep a notebook of ideas for stories.", "subreddit": "mbti"}
             for i in range(6)]
    (root / "reddit_pushshift").mkdir(parents=True)
    (root / "reddit_pushshift" / "RS_2016-03.ndjson").write_text(
        "".join(json.dumps(p) + "\n" for p in posts))
    return root


def _leaks_in_curated(lake: Lake, scanner: LeakScanner) -> int:
    total = 0
    for table in ("documents", "utterances"):
        for path in lake.list_parts("curated", table):
            total += scanner.scan(pq.read_table(path, columns=["text"]).column(0)
                                  .to_pylist()).total
    return total


def _versions(wh: Path) -> list[Path]:
    return sorted(p for p in (wh / "exports").glob("*/v-*") if p.is_dir())


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    """One first run on a fresh warehouse, in `make run`'s order (without Label Studio)."""
    from assets.platform.partitions import source_partitions
    from dagster_project.definitions import defs as load_defs
    from dagster_project.run_all import QUIET, run_partitions

    base = tmp_path_factory.mktemp("first_run")
    corpora, wh = _corpora(base / "corpora"), base / "wh"
    env = {"WAREHOUSE_DIR": str(wh), "CORPORA_DIR": str(corpora),
           "PSEUDONYM_KEY": "test-key-" + "0" * 32}
    with environment(env):
        from assets.ingest.runner import all_partition_keys

        keys = all_partition_keys(str(corpora))
        defs = load_defs()
        with DagsterInstance.ephemeral() as instance:
            instance.add_dynamic_partitions(source_partitions.name, keys)
            failed = run_partitions(defs, instance, keys)
            result = defs.resolve_job_def("warehouse_job").execute_in_process(
                instance=instance, raise_on_error=False, run_config=QUIET)
            yield Lake.at(str(wh)), wh, keys, failed, result, instance


def test_when_name_known_only_from_later_partition_then_first_run_has_no_leak(first_run):
    lake, wh, keys, failed, result, _ = first_run
    assert keys.index("twitter_mbti") < keys.index("reddit_pushshift:RS_2016-03.ndjson")
    assert failed == []
    known = current_known_names(lake)
    assert set(LATER_NAMES) <= known.names
    scanner = LeakScanner(known)
    assert _leaks_in_curated(lake, scanner) == 0
    versions = _versions(wh)
    assert {v.parent.name for v in versions} >= {"twitter_mbti", "pooled"}
    assert sum(len(scan_export(lake, str(v), scanner).leaks) for v in versions) == 0
    # the anonymiser did the work (not a dropped document): 3 mentions became placeholders
    texts = [t for p in lake.list_parts("curated", "documents", "twitter_mbti")
             for t in pq.read_table(p, columns=["text"]).column(0).to_pylist()]
    assert len(texts) == 36
    assert sum(t.count("<USER_") for t in texts) == 3
    # every curated text part carries the name set it was anonymised with
    assert stale_partitions(lake, known) == []
    check = [e for e in result.get_asset_check_evaluations()
             if e.asset_key == AssetKey(["exports", "dataset_export"])
             and e.check_name == "exports_leak_free"]
    assert len(check) == 1 and check[0].passed


def test_when_curated_part_stale_then_export_refused_and_nothing_published(first_run):
    """A curated part anonymised with an older name set (the daemon's order) is caught by the
    export scan: the failure names the dataset, file and pattern, never the name."""
    from assets.curate.export import export_dataset

    lake, wh, *_ = first_run
    path = lake.list_parts("curated", "documents", "twitter_mbti")[0]
    original = pq.read_table(path)
    meta = original.schema.metadata
    texts = original.column("text").to_pylist()
    texts[0] = "stale text still naming zephyrquill_42"
    planted = original.set_column(original.schema.get_field_index("text"), "text",
                                  pa.array(texts, pa.string())).replace_schema_metadata(meta)
    pq.write_table(planted, path)
    before = _versions(wh)
    latest = (wh / "exports" / "twitter_mbti" / "LATEST").read_text()
    try:
        assert stale_partitions(lake, current_known_names(lake)) == []  # the stamp is unchanged
        with pytest.raises(ExportLeakError) as caught:
            export_dataset(lake, "twitter_mbti")
        message = str(caught.value)
        assert "'twitter_mbti'" in message and "KNOWN_AUTHOR" in message
        assert "data/" in message and ".parquet rows" in message and "jsonl/" in message
        assert "zephyrquill" not in message.lower()
        assert _versions(wh) == before
        assert (wh / "exports" / "twitter_mbti" / "LATEST").read_text() == latest
        assert not list((wh / "exports" / "twitter_mbti").glob(".staging-*"))
    finally:
        pq.write_table(original, path)


def test_when_leaking_version_on_disk_then_it_is_removed_and_logged(first_run, caplog):
    lake, wh, *_ = first_run
    good = _versions(wh)
    planted = wh / "exports" / "twitter_mbti" / "v-0000000000000000"
    (planted / "jsonl").mkdir(parents=True)
    (planted / "jsonl" / "train.jsonl").write_text(
        json.dumps({"doc_id": "a", "text": "fine"}) + "\n"
        + json.dumps({"doc_id": "b", "text": "hello bramblewick_7"}) + "\n")
    (planted / "README.md").write_text("# card\n")
    (wh / "exports" / "twitter_mbti" / "LATEST").write_text("v-0000000000000000\n")
    removed = remove_leaking_versions(lake)
    assert [(r.dataset, r.version) for r in removed] == [("twitter_mbti", "v-0000000000000000")]
    assert removed[0].description == "jsonl/train.jsonl lines 2 (KNOWN_AUTHOR x1)"
    assert "bramblewick" not in caplog.text and "v-0000000000000000" in caplog.text
    assert not planted.exists() and _versions(wh) == good
    assert not (wh / "exports" / "twitter_mbti" / "LATEST").exists()
    # clean versions are remembered with the scanner's fingerprint, not scanned again
    log = json.loads((wh / "exports" / "twitter_mbti" / ".leak-scan.json").read_text())
    assert sorted(log) == sorted(v.name for v in good if v.parent.name == "twitter_mbti")
    assert remove_leaking_versions(lake) == []


def test_when_staging_folder_leaks_then_it_is_deleted_with_a_named_error(tmp_path: Path):
    lake = Lake.at(str(tmp_path / "wh"))
    staging = posixpath.join(lake.path("exports"), "essays", ".staging-x")
    os.makedirs(posixpath.join(staging, "data"))
    pq.write_table(pa.table({"doc_id": ["a", "b", "c"],
                             "text": ["ok", "mail me: kim.lee@mailbox.org", "ok"]}),
                   posixpath.join(staging, "data", "train.parquet"))
    with pytest.raises(ExportLeakError) as caught:
        assert_export_clean(lake, staging, "essays", LeakScanner())
    assert str(caught.value).startswith(
        "export 'essays' not published: 1 identifier(s) found by the leak scan in "
        "data/train.parquet rows 2 (EMAIL_ADDRESS x1)")
    assert "kim" not in str(caught.value)
    assert not os.path.exists(staging)


def _restamp(lake: Lake, path: str, **stamp: str) -> None:
    """Rewrite a part's platform metadata (as an older run would have left it)."""
    from assets.lake import METADATA_KEY

    table = pq.read_table(path)
    meta = {**json.loads(table.schema.metadata[METADATA_KEY]), **stamp}
    pq.write_table(table.replace_schema_metadata(
        {**table.schema.metadata, METADATA_KEY: json.dumps(meta).encode()}), path)


def test_when_name_set_grew_since_curation_then_sensor_and_make_run_anonymise_again(first_run):
    """The daemon's order: a partition curated before another made names known is stale; the
    sensor asks for its curated text to run again, and `make run` runs it."""
    from dagster import build_sensor_context

    from assets.platform.resources import WarehouseResource
    from dagster_project.definitions import defs as load_defs
    from dagster_project.run_all import run_partitions
    from dagster_project.sensors import PRIVACY_TEXT_KEYS, known_names_sensor

    lake, wh, _, _, _, instance = first_run
    resources = {"warehouse": WarehouseResource(warehouse_dir=str(wh))}
    context = build_sensor_context(instance=instance, resources=resources)
    assert list(known_names_sensor(context) or []) == []
    path = lake.list_parts("curated", "documents", "twitter_mbti")[0]
    _restamp(lake, path, known_names="0000000000000000")
    known = current_known_names(lake)
    assert stale_partitions(lake, known) == ["twitter_mbti"]
    requests = list(known_names_sensor(build_sensor_context(instance=instance,
                                                            resources=resources)))
    assert [(r.partition_key, r.run_key) for r in requests] == [
        ("twitter_mbti", f"twitter_mbti@names:{known.fingerprint}")]
    assert list(requests[0].asset_selection) == PRIVACY_TEXT_KEYS
    assert run_partitions(load_defs(), instance, []) == []  # no new files: only the stale partition
    assert stale_partitions(lake, known) == []
    assert lake.part_metadata(path)["known_names"] == known.fingerprint
