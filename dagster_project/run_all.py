"""`make run`: materialise the whole asset graph on the configured corpora and print a summary.

It does what the daemon does over a day, in one go: register every source partition, run the
partitioned job for each, then the warehouse-wide job. Runs are recorded in `DAGSTER_HOME`, so
`make dev` shows them in the UI afterwards."""

from __future__ import annotations

import argparse
import os
import sys
import threading


def _prepare_environment() -> tuple[str, bool]:
    from assets.platform.settings import prepare_dagster_home

    prepare_dagster_home()
    corpora = os.environ["CORPORA_DIR"]
    sample = os.environ.get("USING_SAMPLE_CORPORA") == "1"
    if sample:
        from assets.ingest.sample_corpora import write_sample_corpora

        write_sample_corpora(corpora)
    return corpora, sample


# Step events go to the run history (see `make dev`); the terminal gets warnings and errors.
QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


def run(only: list[str] | None = None, annotation: bool = True) -> int:
    corpora, sample = _prepare_environment()
    from dagster import DagsterInstance

    from assets.ingest.runner import all_partition_keys
    from assets.platform.partitions import source_partitions
    from dagster_project.definitions import defs as load_defs
    from dagster_project.sensors import partition_signatures
    from dagster_project.unchanged import (
        pipeline_fingerprint,
        remember_partitions,
        unchanged_partitions,
    )

    defs = load_defs()
    instance = DagsterInstance.get()
    removed = _clean_leftovers()
    if removed:
        print(f"[run] removed {len(removed)} leftover(s) of killed runs", flush=True)
    # Label Studio starts while the partitions run (it takes tens of seconds); the annotation
    # job waits for it.
    server = LabelStudioStart() if annotation else None
    keys = [k for k in all_partition_keys(corpora) if not only or k in only]
    known = set(instance.get_dynamic_partitions(source_partitions.name))
    instance.add_dynamic_partitions(source_partitions.name, [k for k in keys if k not in known])
    lake, signatures, pipeline = _warehouse().lake(), partition_signatures(corpora), \
        pipeline_fingerprint()
    unchanged = set(unchanged_partitions(lake, keys, signatures, pipeline))
    if unchanged:
        print(f"[run] {len(unchanged)} of {len(keys)} partition(s) unchanged since their last "
              "clean run (same files, code, settings and parts): not launched", flush=True)
    failed = run_partitions(defs, instance, [k for k in keys if k not in unchanged])
    # Crowd labels join the labels table before the splits and exports are drawn.
    if server is not None and not run_annotation(defs, instance, server):
        failed.append("annotation_job")
    print("[run] warehouse-wide assets", flush=True)
    result = defs.resolve_job_def("warehouse_job").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET
    )
    if not result.success:
        failed.append("warehouse_job")
    remember_partitions(lake, keys, failed, signatures, pipeline)
    print_summary(corpora, sample, failed)
    return 1 if failed else 0


def run_partitions(defs, instance, keys: list[str]) -> list[str]:
    """Run the partition job for each key; returns the keys that failed.

    Every partition is ingested before any is anonymised, so the known-name set (usernames and
    speakers from all raw partitions) is complete when the first text is anonymised: a name
    seen only in a later partition's authors is redacted in an earlier partition's text on the
    first run. Partitions whose curated text was anonymised with an older name set (a previous
    run with fewer files, or `--partition`) are anonymised again.

    The second pass leaves out what the first one did, the ingest and its checks, for the
    partitions whose ingest run succeeded (every blocking raw check passed): ingesting again
    would skip every unchanged file, and validating the unchanged raw tables again was a
    quarter of the checks' time. A partition whose ingest failed runs whole, as before, so its
    raw checks still block what follows."""
    from dagster import AssetKey

    from assets.ingest.assets import raw_tables
    from assets.platform.resources import WarehouseResource
    from assets.privacy.anonymise_partitions import current_known_names, stale_partitions

    partition_job = defs.resolve_job_def("partition_job")
    failed: list[str] = []

    after_ingest = sorted(partition_job.asset_layer.executable_asset_keys - raw_tables.keys)

    def execute(key: str, selection: list | None = None) -> bool:
        result = partition_job.execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False, run_config=QUIET,
            asset_selection=selection,
        )
        if not result.success and key not in failed:
            failed.append(key)
        return result.success

    ingested = set()
    for key in keys:
        print(f"[run] ingest {key}", flush=True)
        if execute(key, list(raw_tables.keys)):
            ingested.add(key)
    for key in keys:
        print(f"[run] partition {key}", flush=True)
        execute(key, after_ingest if key in ingested else None)
    lake = WarehouseResource(warehouse_dir=os.environ["WAREHOUSE_DIR"]).lake()
    for key in stale_partitions(lake, current_known_names(lake)):
        print(f"[run] anonymise again (new known names) {key}", flush=True)
        execute(key, [AssetKey(["curated", "documents"]), AssetKey(["curated", "utterances"])])
    return failed


def _warehouse():
    from assets.platform.resources import WarehouseResource

    return WarehouseResource(
        warehouse_dir=os.environ["WAREHOUSE_DIR"], duckdb_dir=os.environ.get("DUCKDB_DIR", "")
    )


def _clean_leftovers() -> list[str]:
    """Temporary parts, export staging folders, half-built databases and ingest temp folders of
    killed runs (see assets.lake.clean_leftovers: a live run's files are never touched)."""
    from assets.lake import clean_leftovers

    warehouse = _warehouse()
    return clean_leftovers(warehouse.lake(), warehouse.database_dir())


def failed_sources(lake) -> list[tuple[str, str, str]]:
    """(partition, file, reason) of every source file the last ingest could not read."""
    from assets.ingest.runner import FAILED_TABLE

    parts = lake.list_parts("raw", FAILED_TABLE)
    if not parts:
        return []
    files = ", ".join("'" + lake.url(p).replace("'", "''") + "'" for p in parts)
    con = lake.connect()
    rows = con.execute(f"SELECT partition, source_file, reason FROM read_parquet([{files}]) "
                       "ORDER BY ALL").fetchall()
    con.close()
    return rows


class LabelStudioStart:
    """Label Studio started on a background thread (unless LABEL_STUDIO_URL already answers):
    `wait` returns the error that stopped it, or None once it is healthy. Credentials are
    loaded (and created) here, on the main thread, since they go into the environment."""

    def __init__(self) -> None:
        from annotation.credentials import load_local_credentials
        from annotation.server import ServerError, ServerSettings

        load_local_credentials(create=True)
        self.url = os.environ["LABEL_STUDIO_URL"]
        self.error: str | None = None
        try:
            settings = ServerSettings.from_env()
        except ServerError as error:
            self.error = str(error)
            self._thread = None
            return
        self._thread = threading.Thread(target=self._ensure, args=(settings,), daemon=True,
                                        name="label-studio-start")
        self._thread.start()

    def _ensure(self, settings) -> None:
        from annotation.server import ServerError, ensure

        try:
            ensure(settings)
        except ServerError as error:
            self.error = str(error)

    def wait(self) -> str | None:
        if self._thread is not None:
            self._thread.join()
        return self.error


def run_annotation(defs, instance, server: LabelStudioStart) -> bool:
    """Wait for Label Studio, then push tasks and pull whatever annotators have done. The
    server keeps running for the annotators afterwards."""
    print(f"[run] Label Studio at {server.url}", flush=True)
    error = server.wait()
    if error is not None:
        print(f"[run] Label Studio could not start: {error}", flush=True)
        return False
    print("[run] annotation tasks, annotations, crowd labels", flush=True)
    result = defs.resolve_job_def("annotation_job").execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET
    )
    return result.success


def print_summary(corpora: str, sample: bool, failed: list[str]) -> None:
    from assets.warehouse.views import open_database

    warehouse = _warehouse()
    db = os.path.abspath(os.path.join(warehouse.database_dir(), "warehouse.duckdb"))
    print("\n=== personality-warehouse: run summary ===")
    print(f"corpora:   {os.path.abspath(corpora)}{'  (synthetic sample)' if sample else ''}")
    lake = warehouse.lake()
    print(f"lake:      {lake.url(lake.path('lake'))}")
    print(f"database:  {db}")
    if os.path.exists(db):
        con = open_database(db)
        views = [
            r[0]
            for r in con.execute(
                "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1"
            ).fetchall()
        ]
        per_corpus = [
            v for v in ("documents", "utterances", "authors", "labels", "quarantine") if v in views
        ]
        print("\nrows per table per corpus:")
        corpora_rows = con.execute(
            " UNION ".join(f"SELECT DISTINCT corpus FROM {v}" for v in per_corpus) + " ORDER BY 1"
        ).fetchall()
        header = f"  {'corpus':<18}" + "".join(f"{v:>12}" for v in per_corpus)
        print(header)
        for (corpus,) in corpora_rows:
            counts = [
                con.execute(f"SELECT count(*) FROM {v} WHERE corpus = ?", [corpus]).fetchone()[0]
                for v in per_corpus
            ]
            print(f"  {corpus:<18}" + "".join(f"{c:>12,}" for c in counts))
        reasons = con.execute(
            "SELECT corpus, split_part(reason, ':', 1) AS why, count(*) FROM quarantine "
            "GROUP BY ALL ORDER BY 1, 3 DESC"
        ).fetchall()
        print(f"\nquarantined rows: {sum(r[2] for r in reasons):,}")
        for corpus, why, n in reasons:
            print(f"  {corpus:<18} {n:>7,}  {why}")
        other = [v for v in views if v not in per_corpus]
        if other:
            print("\nother views: " + ", ".join(other))
        con.close()
    unreadable = failed_sources(warehouse.lake())
    if unreadable:
        print(f"\nunreadable source files: {len(unreadable)} (the rest of each family is "
              "published; view failed_sources in raw.duckdb)")
        for partition, source_file, reason in unreadable:
            print(f"  {partition:<18} {source_file}: {reason}")
    print("\nquery it (read-only, safe while a run writes):")
    if lake.is_local:
        print(f"  duckdb -readonly {db}")
    print(f"  python -m assets.warehouse.views {db} "
          "\"SELECT corpus, count(*) FROM documents GROUP BY 1\"")
    if not lake.is_local:  # the views read an object store: the duckdb CLI cannot
        print("  (in Python: assets.warehouse.views.open_database(path), which registers the "
              "lake's filesystem)")
    ls = os.environ.get("LABEL_STUDIO_URL")
    if ls:
        print(f"\nannotators log in at: {ls}  (Label Studio; `make labelstudio-stop` stops it;")
        print("  the admin login is in ~/.config/personality-warehouse/labelstudio.json)")
    if failed:
        print(f"\nFAILED: {', '.join(failed)} (see the run logs above or in `make dev`)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--partition", action="append", help="only these source partitions")
    parser.add_argument(
        "--skip-annotation", action="store_true",
        help="leave out the Label Studio loop (no server started; crowd labels as they were)",
    )
    args = parser.parse_args(argv)
    return run(args.partition, annotation=not args.skip_annotation)


if __name__ == "__main__":
    sys.exit(main())
