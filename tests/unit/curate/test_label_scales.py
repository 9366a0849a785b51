"""One scale per column: Essays' 0/1 Big Five and PANDORA's percentiles never share a column.

The lake here is written from the real readers' output (an Essays-like CSV and PANDORA-like
profile and comment files), so the scale each reader declares is the one the labels view, the
pooled export, its card and the baselines see. Issue 14 measured the old single column: the
pooled card averaged both (train mean 39.3 against dev mean 0.5), and its tables printed nan."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.curate.baselines import run_baselines
from assets.curate.card import balance_panels
from assets.curate.export import export_dataset
from assets.curate.splits import build_splits
from assets.ingest.readers import essays, pandora
from assets.lake import Lake
from assets.warehouse.views import ANALYST_DB, build_database
from schemas.curated import CURATED_DOCUMENTS, CURATED_LABELS
from schemas.label_scales import (
    SCALES,
    VALUE_COLUMNS,
    allowed_scales,
    export_column,
    label_values,
    task_of,
)
from schemas.registry import table_schema
from schemas.tables import BIG5_TRAITS, MBTI_AXES
from tests.conftest import rows_of

README = Path(__file__).resolve().parents[3] / "warehouse" / "README.md"
ESSAYS_HEADER = "#AUTHID,TEXT,cEXT,cNEU,cAGR,cCON,cOPN\n"
PROFILE_HEADER = (
    "Author,MBTI,enneagram,introverted,intuitive,thinking,perceiving,agreeableness,Openness,"
    "conscientiousness,extraversion,neuroticism,age,gender,country,flair_text,num_comments\n"
)
COMMENT_HEADER = "author,body,subreddit,created_utc,id,link_id,lang\n"
CUES = ("happy friends party", "worry stress anxious", "plan work careful", "art idea novel",
        "kind help warm")


def essays_csv(n: int) -> str:
    lines = []
    for i in range(n):
        bits = [(i >> k) & 1 for k in range(5)]
        cues = " ".join(c for c, b in zip(CUES, bits, strict=True) if b)
        yn = ",".join("y" if b else "n" for b in bits)
        lines.append(f"e{i:04d},Essay {i} about my day. {cues} and more words here,{yn}\n")
    return ESSAYS_HEADER + "".join(lines)


def pandora_files(n: int, percentile) -> tuple[str, str]:
    """Profiles with percentiles from `percentile(i)` (0 and 1 included: low scores, not a
    binary label) and an MBTI type; two comments per author."""
    profiles, comments = [], []
    types = ("INTJ", "ENFP", "ISTP", "ESFJ")
    for i in range(n):
        big5 = ",".join(f"{percentile(i + k):g}" for k in range(5))
        profiles.append(f"u{i:04d},{types[i % 4]},,,,,,{big5},,,,,\n")
        for j in range(2):
            comments.append(f"u{i:04d},comment {j} by u{i} {CUES[i % 5]},sub,{1500000000 + i},"
                            f"c{i}x{j},t3_1,en\n")
    return PROFILE_HEADER + "".join(profiles), COMMENT_HEADER + "".join(comments)


def spread(j: int) -> float:
    """Percentiles over 0-100 with 0 and 1 among them: low scores, which the old README example
    read as binary labels."""
    return {0: 0.0, 1: 1.0}.get(j % 10, float((j * 37) % 101))


def write_from_readers(lake: Lake, make_source, percentile=spread) -> None:
    """Run the Essays and PANDORA readers and store their rows as the curated zone would
    (text and ids untouched: the scales are what is under test)."""
    profiles, comments = pandora_files(60, percentile)
    outputs = {
        "essays": list(essays.read(make_source("essays", "essays.csv", essays_csv(120)))),
        "pandora": list(pandora.read(make_source("pandora", "author_profiles.csv", profiles)))
        + list(pandora.read(make_source("pandora", "comments.csv", comments))),
    }
    for corpus, out in outputs.items():
        docs = [{**d, "pii_counts": "{}"} for d in rows_of(out, "documents")]
        assert docs and not rows_of(out, "quarantine")
        lake.write_part("curated", "documents", corpus, "p0",
                        pa.Table.from_pylist(docs, CURATED_DOCUMENTS))
        lake.write_part("curated", "labels", corpus, "p0",
                        pa.Table.from_pylist(rows_of(out, "labels"), CURATED_LABELS))
    build_splits(lake)


@pytest.fixture
def mixed(lake: Lake, make_source) -> Lake:
    write_from_readers(lake, make_source)
    return lake


def test_when_binary_and_percentile_labels_then_the_view_keeps_them_in_their_own_columns(
        mixed: Lake, tmp_path):
    build_database(mixed, ANALYST_DB, str(tmp_path), table_schema)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    got = con.execute("""SELECT corpus, scale, count(value_binary), count(value_percentile),
        count(value_likert), count(value_years), count(*)
        FROM labels WHERE scheme = 'big5' GROUP BY ALL ORDER BY ALL""").fetchall()
    assert got == [("essays", "binary", 600, 0, 0, 0, 600),
                   ("pandora", "percentile", 0, 300, 0, 0, 300)]
    values = dict(con.execute("""SELECT scale, list(DISTINCT coalesce(value_binary,
        value_percentile)) FROM labels WHERE scheme = 'big5' GROUP BY 1""").fetchall())
    assert sorted(values["binary"]) == [0, 1]
    assert sorted(values["percentile"]) == sorted(
        {spread(i + k) for i in range(60) for k in range(5)})
    axes = con.execute("""SELECT DISTINCT scale, value_binary FROM labels
        WHERE scheme = 'mbti' AND trait <> 'type' ORDER BY ALL""").fetchall()
    assert axes == [("binary", 0), ("binary", 1)]


def test_when_pooled_export_then_binary_and_percentile_are_separate_columns(mixed: Lake):
    result = export_dataset(mixed, "pooled")
    table = pa.concat_tables(
        pq.read_table(Path(result.path, "data", f"{s}.parquet")) for s in ("train", "dev", "test"))
    assert table.schema.field("big5_EXT").type == pa.int8()
    assert table.schema.field("big5_EXT_pct").type == pa.float64()
    con = duckdb.connect()
    con.register("t", table)
    got = con.execute("""SELECT corpus, count(big5_EXT), count(big5_EXT_pct), min(big5_EXT),
        max(big5_EXT), sum(big5_EXT_pct), count(*) FROM t GROUP BY 1 ORDER BY 1""").fetchall()
    ext = [spread(i + 3) for i in range(60)]  # extraversion is the 4th percentile column
    assert got == [("essays", 120, 0, 0, 1, None, 120),
                   ("pandora", 0, 120, None, None, 2 * sum(ext), 120)]
    assert not [c for c in table.column_names if c.endswith("_likert")]
    manifest = json.loads(Path(result.path, "manifest.json").read_text())
    assert manifest["columns"]["label_scales"]["big5_EXT_pct"] == "percentile"
    assert manifest["columns"]["label_scales"]["big5_EXT"] == "binary"


def test_when_pooled_card_rendered_then_no_mean_mixes_scales_and_no_nan(mixed: Lake):
    scores = run_baselines(mixed, "pooled")
    result = export_dataset(mixed, "pooled", baselines=scores)
    card = Path(result.path, "README.md").read_text()
    assert not re.search(r"\bnan\b", card, flags=re.I), card
    rows = {m[0]: m[1:] for m in re.findall(
        r"^\| `([a-z0-9_A-Z]+)` \| (\w+) \| (\d+) \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$",
        card, flags=re.M) if not m[1].isdigit() and m[1] in SCALES}
    assert rows["big5_EXT"][0] == "binary" and rows["big5_EXT_pct"][0] == "percentile"
    assert rows["mbti_I_E"][0] == "binary" and rows["mbti_type"][0] == "category"
    shares = [float(v) for v in rows["big5_EXT"][2:]]
    assert all(0.0 <= v <= 1.0 for v in shares)  # a share of 1, never a percentile
    table = pa.concat_tables(pq.read_table(Path(result.path, "data", f"{s}.parquet"))
                             for s in ("train", "dev", "test")).to_pandas()
    pct = table.loc[table["corpus"] == "pandora", "big5_EXT_pct"]
    # the pooled percentile mean is PANDORA's alone, on the 0-100 scale
    assert 10.0 < min(float(v) for v in rows["big5_EXT_pct"][2:]) < 100.0
    assert rows["big5_EXT_pct"][1] == str(int(pct.notna().sum()))
    assert "figures/label_balance.png" in card
    # regression rows: the majority's undefined Pearson r is '–', its error a real number
    assert re.search(r"^\| `big5_EXT_pct` \| mae \| \d+\.\d+ \|", card, flags=re.M), card
    assert re.search(r"^\| `big5_EXT_pct` \| pearson_r \| – \|", card, flags=re.M), card


def test_when_label_balance_drawn_then_it_has_binary_percentile_and_mbti_panels(mixed: Lake):
    stats = {"big5_EXT": {"kind": "binary"}, "big5_EXT_pct": {"kind": "percentile"},
             "mbti_I_E": {"kind": "binary"}, "mbti_type": {"kind": "category"}}
    assert balance_panels(stats) == [("binary", ["big5_EXT", "mbti_I_E"]),
                                     ("percentile", ["big5_EXT_pct"])]


def test_when_percentiles_happen_to_be_0_or_1_then_baselines_still_regress(
        lake: Lake, make_source):
    """The old rule (values within {0, 1} mean classification) made such a column binary."""
    write_from_readers(lake, make_source, percentile=lambda i: float(i % 2))
    rows = run_baselines(lake, "pooled")
    tasks = {(r["trait"], r["task"]) for r in rows}
    assert ("big5_EXT_pct", "regression") in tasks and ("big5_EXT", "classification") in tasks
    assert ("big5_EXT_pct", "classification") not in tasks
    assert {r["metric"] for r in rows if r["trait"] == "big5_EXT_pct"} == {"pearson_r", "mae"}
    assert not [r for r in rows if isinstance(r["value"], float) and math.isnan(r["value"])]


def test_when_readme_example_filters_high_neuroticism_then_percentile_1_is_low(
        mixed: Lake, tmp_path):
    """README example 2 once read `value_num <= 1` as binary: a percentile of 1 became high."""
    build_database(mixed, ANALYST_DB, str(tmp_path), table_schema)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    block = README.read_text().split("Example queries:", 1)[1].split("```sql\n", 1)[1]
    statements = [s for s in block.split("```", 1)[0].split(";") if s.strip()]
    high = {(c, s): n for c, s, n in con.execute(statements[1]).fetchall()}
    neu = [spread(i + 4) for i in range(60)]  # neuroticism is the 5th percentile column
    assert 1.0 in neu  # the old example counted this author as high
    essays_high = sum((i >> 1) & 1 for i in range(120))  # cNEU is the essays' 2nd bit
    assert high == {("pandora", "percentile"): 2 * sum(v >= 50 for v in neu),
                    ("essays", "binary"): essays_high}
    for statement in statements:
        con.execute(statement).fetchall()


@pytest.mark.parametrize(("scheme", "trait", "scale", "value", "error"), [
    ("big5", "EXT", "binary", 2, "not on the binary scale"),
    ("big5", "EXT", "binary", None, "needs a value"),
    ("big5", "EXT", "percentile", 100.5, "outside the percentile scale"),
    ("big5", "EXT", "likert3", 2, "not on the likert3 scale"),
    ("big5", "EXT", "years", 30, "cannot be on the 'years' scale"),
    ("mbti", "I/E", "percentile", 50, "cannot be on the 'percentile' scale"),
    ("mbti", "type", "category", 1, "categorical"),
    ("enneagram", "type", "binary", 1, "cannot be on the 'binary' scale"),
])
def test_when_value_does_not_fit_its_scale_then_label_values_refuses(
        scheme, trait, scale, value, error):
    with pytest.raises(ValueError, match=error):
        label_values(scheme, trait, scale, value)


@pytest.mark.parametrize(("scale", "value", "column", "stored"), [
    ("binary", 1.0, "value_binary", 1),
    ("percentile", 1.0, "value_percentile", 1.0),
    ("likert3", -1.0, "value_likert", -1),
])
def test_when_value_fits_then_it_sits_in_its_scale_column_only(scale, value, column, stored):
    row = label_values("big5", "NEU", scale, value)
    assert row["scale"] == scale and row[column] == stored
    assert [c for c in VALUE_COLUMNS if row[c] is not None] == [column]


def test_when_every_trait_listed_then_export_columns_never_collide():
    traits = ([("big5", t) for t in BIG5_TRAITS] + [("mbti", a) for a in MBTI_AXES]
              + [("mbti", "type"), ("enneagram", "type"), ("demographic", "age"),
                 ("demographic", "gender"), ("demographic", "country")])
    names = [export_column(s, t, scale) for s, t in traits for scale in allowed_scales(s, t)]
    assert len(names) == len(set(names))
    assert export_column("big5", "EXT", "percentile") == "big5_EXT_pct"
    assert export_column("mbti", "I/E", "binary") == "mbti_I_E"


def test_when_task_asked_then_the_scale_decides():
    assert [task_of(s) for s in ("binary", "percentile", "likert3", "category", None)] == [
        "classification", "regression", "regression", None, None]
