from __future__ import annotations

from bench.ingest import main


def test_when_quick_benchmark_then_every_figure_is_reported(tmp_path):
    report = main(["--quick", "--workdir", str(tmp_path / "bench"), "--json",
                   str(tmp_path / "report.json")])
    for name in ("pushshift_ndjson", "pandora_csv"):
        part = report[name]
        assert part["ours"]["rows"] > 0 and part["duckdb_1t"]["rows"] > 0
        assert part["ours"]["rows_per_s"] > 0 and part["ratio_vs_duckdb_1t"] > 0
    assert report["peak_rss"]["rows"] > 0 and report["peak_rss"]["peak_rss_mib"] > 0
    assert (tmp_path / "report.json").exists()
    assert not (tmp_path / "bench" / "lake").exists()
