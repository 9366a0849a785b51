from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
import zstandard

from assets.ingest.registry import FAMILIES as REGISTERED
from assets.ingest.runner import PartitionResult, all_partition_keys, ingest_partition
from assets.ingest.sample_corpora import main, write_sample_corpora

FAMILIES = {name for name, family in REGISTERED.items() if family.sample}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("sample")
    write_sample_corpora(str(target))
    return target


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


def _ingest(lake, corpora: Path, partition: str) -> PartitionResult:
    try:
        result = ingest_partition(lake, str(corpora), partition)
    except NotImplementedError:
        pytest.skip(f"reader for {partition} not written yet")
    assert result.failures == []
    return result


def test_when_same_seed_then_byte_identical_files(tmp_path, sample_dir):
    manifest = write_sample_corpora(str(tmp_path / "again"))
    assert set(manifest) == FAMILIES
    assert _files(tmp_path / "again") == _files(sample_dir)
    write_sample_corpora(str(tmp_path / "other"), seed=8)
    assert _files(tmp_path / "other") != _files(sample_dir)


def test_when_cli_then_writes_every_family(tmp_path, capsys):
    main([str(tmp_path / "cli")])
    assert {p.name for p in (tmp_path / "cli").iterdir()} == FAMILIES
    assert "reddit_pushshift/RC_2016-03.zst: 27 records" in capsys.readouterr().out


def test_when_rc_file_then_it_needs_the_2gib_window(sample_dir):
    data = (sample_dir / "reddit_pushshift" / "RC_2016-03.zst").read_bytes()
    with pytest.raises(zstandard.ZstdError):
        zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data)).read()
    assert zstandard.get_frame_parameters(data).window_size == 2**31


def test_when_sample_texts_then_synthetic_pii_present(sample_dir):
    plain = ["reddit_pushshift/RS_2016-03_sample.ndjson", "essays/essays_2001.csv",
             "twitter_mbti/tweets_sample.psv", "friends/friends_sample.csv"]
    text = "".join((sample_dir / name).read_text() for name in plain)
    comments = sample_dir / "pandora" / "comments_sample.csv.gz"
    text += gzip.decompress(comments.read_bytes()).decode()
    # Emails, Reddit and Twitter handles, 555 numbers, and usernames inside others' texts.
    needles = ["jane.doe@example.com", "sam.rivera@example.org", "u/", "@", "555-0142",
               "(555) 013-4567", " mentioned this"]
    for needle in needles:
        assert needle in text, needle


def test_when_essays_sample_then_26_documents_and_two_quarantined(lake, sample_dir):
    result = _ingest(lake, sample_dir, "essays")
    assert result.rows("documents") == 26
    assert result.rows("labels") == 130
    assert result.quarantine_reasons() == {"empty text": 1, "invalid Big Five label": 1}


def test_when_pushshift_sample_then_expected_documents_labels_and_reasons(lake, sample_dir):
    rc = _ingest(lake, sample_dir, "reddit_pushshift:RC_2016-03.zst")
    # 27 lines: 22 documents (2 with [deleted] authors), 2 removed bodies skipped, 3 bad lines.
    assert rc.rows("documents") == 22
    assert rc.rows("authors") == 10
    # INTJ, intj-A, INFJ 4w5, ENFP here -> 4 authors x (type + 4 axes); INTP/INTJ and the
    # ISTP-then-ESTP author give nothing.
    assert rc.rows("labels") == 20
    assert rc.quarantine_reasons() == {
        "malformed JSON": 1,
        "not a JSON object": 1,
        "neither body nor title": 1,
        "conflicting MBTI flairs for one author": 1,
    }
    rs = _ingest(lake, sample_dir, "reddit_pushshift:RS_2016-03_sample.ndjson")
    assert rs.rows("documents") == 12
    assert rs.quarantine_reasons() == {"empty submission text": 1}


def test_when_pandora_sample_then_expected_profiles_labels_and_comments(lake, sample_dir):
    profiles = _ingest(lake, sample_dir, "pandora")
    assert profiles.rows("authors") == 12
    # mbti 10x5 + axes-only 4 + axes of the XXXX author 4; enneagram 10; big5 60-2; age 12;
    # gender 11; country 9.
    assert profiles.rows("labels") == 58 + 10 + 58 + 12 + 11 + 9
    assert profiles.quarantine_reasons() == {
        "invalid MBTI type": 1, "out-of-range Big Five percentile": 2}
    comments = _ingest(lake, sample_dir, "pandora:comments_sample.csv.gz")
    # 37 rows: one [removed] body skipped, one blank body quarantined, and the second of two
    # identical id-less lines quarantined as a duplicate of the first.
    assert comments.rows("documents") == 34
    assert comments.quarantine_reasons() == {
        "empty comment text": 1, "duplicate of comments_sample.csv.gz": 1}


@pytest.mark.parametrize("family", ["mbti_kaggle", "twitter_mbti", "friends"])
def test_when_other_family_samples_then_they_ingest_and_quarantine_bad_rows(
    lake, sample_dir, family
):
    result = _ingest(lake, sample_dir, family)
    assert result.rows("documents") > 0
    assert sum(result.quarantine_reasons().values()) >= 1


def test_when_sample_dir_then_every_partition_is_known(sample_dir):
    assert set(all_partition_keys(str(sample_dir))) >= {
        "essays", "mbti_kaggle", "twitter_mbti", "pandora", "friends",
        "pandora:comments_sample.csv.gz", "reddit_pushshift:RC_2016-03.zst",
        "reddit_pushshift:RS_2016-03_sample.ndjson",
    }
