from __future__ import annotations

from assets.ingest.readers import essays
from assets.ingest.sources import SourceFile, list_family_files
from tests.conftest import rows_of

HEADER = "#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n"


def test_when_real_masked_essays_then_2467_documents_and_junk_row_quarantined(real_corpora):
    (source,) = list_family_files(str(real_corpora), "essays")
    out = list(essays.read(source))
    docs = rows_of(out, "documents")
    assert len(docs) == 2467
    assert len({d["doc_id"] for d in docs}) == 2467
    quarantined = rows_of(out, "quarantine")
    assert [q["reason"] for q in quarantined] == ["spreadsheet error cell instead of text: Err:000"]
    labels = rows_of(out, "labels")
    yes = {
        t: sum(1 for r in labels if r["trait"] == t and r["value_binary"] == 1)
        for t in ("EXT", "NEU", "AGR", "CON", "OPN")
    }
    assert {(r["scale"], r["value_percentile"]) for r in labels} == {("binary", None)}
    # SOURCE.md counts include the junk row (labels y/n/n/y/y).
    assert yes == {"EXT": 1276, "NEU": 1233, "AGR": 1310, "CON": 1253, "OPN": 1271}


def test_when_cp1252_file_then_text_decoded(make_source):
    body = HEADER + '1997_1,"Café naïve “quoted”",y,n,y,n,y\n'
    source: SourceFile = make_source("essays", "essays.csv", body.encode("cp1252"))
    (doc,) = rows_of(essays.read(source), "documents")
    assert doc["text"] == "Café naïve “quoted”"
    assert doc["author_id"] == "essays:1997_1"


def test_when_invalid_label_then_quarantined_with_column(make_source):
    source = make_source(
        "essays", "e.csv", HEADER + "a,text here,y,maybe,y,n,y\nb,ok text,y,n,y,n,y\n"
    )
    out = list(essays.read(source))
    assert len(rows_of(out, "documents")) == 1
    (q,) = rows_of(out, "quarantine")
    assert q["reason"] == "invalid Big Five label: cNEU='maybe'"
    assert q["source_line"] == 2
