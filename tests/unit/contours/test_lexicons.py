"""Lexicon loaders: the real files and their quirks (CRLF, BOM, junk line, index column)."""

from __future__ import annotations

import gzip
from pathlib import Path

from assets.contours.lexicons import load_lexicons, read_kuperman, read_nrc_emolex, read_subtlex
from tests.unit.contours.conftest import LEXICON_DIR


def test_when_real_lexicons_loaded_then_counts_match_source_md():
    lexicons = load_lexicons(LEXICON_DIR)
    sizes = {name: len(n) for name, n in lexicons.norms.items()}
    assert sizes["nrc_vad"] == 20007
    assert sizes["nrc_emolex"] == 14182
    assert sizes["subtlex"] == 74286  # the junk "seatbelts ____" line is dropped
    assert sizes["brysbaert"] == 39954
    assert sizes["kuperman"] > 30_000 and sizes["warriner"] > 13_800
    assert lexicons.norms["kuperman"].entries["aardvark"] == (9.89,)  # BOM did not eat "Word"
    assert lexicons.norms["warriner"].entries["aardvark"] == (6.26, 2.41, 4.27)  # index col


def test_when_files_have_crlf_bom_and_junk_then_values_parse(tmp_path: Path):
    emolex = tmp_path / "NRC-Emotion-Lexicon-Wordlevel-v0.92.txt"
    emolex.write_bytes(b"happy\tjoy\t1\r\nhappy\tpositive\t1\r\nhappy\tanger\t0\r\nbroken line\r\n")
    assert read_nrc_emolex(emolex).entries["happy"][4] == 1.0  # joy
    aoa = tmp_path / "AoA_51715_words.csv.gz"
    aoa.write_bytes(gzip.compress("\ufeffWord,AoA_Kup_lem\r\ncat,3.1\r\ndog,\r\n".encode()))
    assert read_kuperman(aoa).entries == {"cat": (3.1,)}  # empty cell: no value
    subtlex = tmp_path / "SUBTLEXus74286wordstextversion.txt"
    subtlex.write_text("Word\tLg10WF\nthe\t6.1\nseatbelts ______")
    assert read_subtlex(subtlex).entries == {"the": (6.1,)}


def test_when_folder_missing_or_files_broken_then_reported_not_raised(tmp_path: Path):
    assert set(load_lexicons(None).missing) == {
        "nrc_vad", "nrc_emolex", "warriner", "brysbaert", "kuperman", "subtlex"
    }
    (tmp_path / "NRC-VAD-Lexicon.txt").write_text("nothing useful here\n")
    (tmp_path / "SUBTLEXus74286wordstextversion.txt.gz").write_bytes(b"not gzip at all")
    result = load_lexicons(tmp_path)
    assert result.norms == {}
    assert "unreadable" in result.missing["nrc_vad"]
    assert "unreadable" in result.missing["subtlex"]
    assert result.missing["warriner"].startswith("no file matching")
    assert result.report()["nrc_vad"].startswith("missing:")
