"""Great Expectations 1.x validation of lake tables, without Dagster.

Suites live as YAML in `schemas/expectations/` (one file per table). Column set and types are
derived from the table contract rather than repeated in YAML, so a contract change cannot leave a
stale type expectation behind.

Nothing here loads a whole table: row-level expectations run on each part file in bounded record
batches and their counts are summed; properties of the whole table (uniqueness across parts,
shares, length distributions) are computed by DuckDB as a small frame that GX then validates.

A check on a source partition validates that partition only, aggregates included: each
partitioned table in an aggregate's SQL stands for the partition's parts, so a bad row in one
partition never fails another. Every failed expectation names where its offending rows are
(`source_file:source_line`, or the `locations` column an aggregate computes).

GX runs in an ephemeral context (nothing written to disk) with a pandas datasource and one
whole-dataframe batch definition per suite; the context is created once per process because
importing and configuring GX costs seconds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import yaml

import schemas.tables as contracts
from assets.lake import PLACEHOLDER, Lake, iter_part_batches
from assets.platform.reuse import (
    ALL,
    DigestCache,
    ReuseRecord,
    fingerprint_of,
    source_digest,
    table_parts,
)
from schemas.registry import table_schema

SUITES_DIR = Path(__file__).resolve().parents[2] / "schemas" / "expectations"
# Never echo values of these columns into check metadata: they hold raw text or real names.
SENSITIVE_COLUMNS = frozenset({"text", "username", "speaker", "raw_excerpt", "stage_directions"})
MAX_EXAMPLES = 5
# Columns that say where a row came from; a failure lists them for its offending rows.
LOCATION_COLUMNS = ("source_file", "source_line", "locations")
# The column a `for_columns` rule is validated on: every matching column stacked.
STACKED = "value"


# --- suite specifications ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectationSpec:
    """One expectation: its GX snake-case type, keyword arguments and whether it blocks.

    A spec with `columns` comes from a `for_columns` entry (`template` is its pattern): it is
    validated once over the values of all those columns stacked into one `value` column, so a
    rule over 250 feature columns costs one GX expectation, not 250."""

    type: str
    kwargs: dict[str, Any]
    blocking: bool = True
    template: str | None = None
    columns: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        target = self.kwargs.get("column") or ",".join(self.kwargs.get("column_list", []))
        if self.template is not None:
            target = self.template
        elif not target and "column_A" in self.kwargs:
            target = f"{self.kwargs['column_A']},{self.kwargs['column_B']}"
        condition = self.kwargs.get("row_condition")
        suffix = f" where {condition}" if condition else ""
        return f"{self.type}({target}){suffix}"


@dataclass(frozen=True)
class AggregateSpec:
    """A whole-table property: DuckDB SQL giving a small frame, and expectations on it."""

    name: str
    sql: str
    expectations: tuple[ExpectationSpec, ...]


@dataclass(frozen=True)
class SuiteSpec:
    table: str
    zone: str
    expectations: tuple[ExpectationSpec, ...]
    aggregates: tuple[AggregateSpec, ...] = ()


def load_suite(table: str, zone: str = "raw", suites_dir: Path = SUITES_DIR) -> SuiteSpec:
    """Read `<zone>/<table>.yaml` and prepend the contract-derived column-set and type
    expectations; entries with `for_columns` expand to one expectation per matching column."""
    raw = yaml.safe_load((suites_dir / zone / f"{table}.yaml").read_text())
    if (raw.get("zone"), raw.get("table")) != (zone, table):
        raise ValueError(f"{zone}/{table}.yaml declares {raw.get('zone')}.{raw.get('table')}")
    schema = table_schema(zone, table)
    row_level = contract_expectations(schema) + [
        s for e in raw.get("expectations", []) for s in _specs(e, schema)
    ]
    aggregates = tuple(
        AggregateSpec(a["name"], a["sql"], tuple(_spec(e) for e in a["expectations"]))
        for a in raw.get("aggregates", [])
    )
    return SuiteSpec(table, zone, tuple(row_level), aggregates)


def _specs(entry: dict[str, Any], schema: pa.Schema) -> list[ExpectationSpec]:
    """One entry's expectation; `for_columns` names the contract columns it covers by pattern."""
    pattern = entry.get("for_columns")
    if pattern is None:
        return [_spec(entry)]
    columns = tuple(name for name in schema.names if re.search(pattern, name))
    if not columns:
        raise ValueError(f"for_columns {pattern!r} matches no column")
    spec = _spec(entry | {"kwargs": {"column": STACKED, **entry.get("kwargs", {})}})
    return [replace(spec, template=pattern, columns=columns)]


def _spec(entry: dict[str, Any]) -> ExpectationSpec:
    kwargs = dict(entry.get("kwargs", {}))
    if "value_set_from" in kwargs:  # a vocabulary defined once, in schemas.tables
        kwargs["value_set"] = list(getattr(contracts, kwargs.pop("value_set_from")))
    return ExpectationSpec(entry["type"], kwargs, bool(entry.get("blocking", True)))


def contract_expectations(schema: pa.Schema) -> list[ExpectationSpec]:
    """Exact column set, plus one type expectation per column whose pandas type is stable."""
    specs = [
        ExpectationSpec(
            "expect_table_columns_to_match_set",
            {"column_set": schema.names, "exact_match": True},
        )
    ]
    for f in schema:
        type_name = gx_type_name(f.type, f.nullable)
        if type_name:
            specs.append(
                ExpectationSpec("expect_column_values_to_be_of_type",
                                {"column": f.name, "type_": type_name})
            )
    return specs


def gx_type_name(arrow_type: pa.DataType, nullable: bool) -> str | None:
    """The type name GX reports for an Arrow column converted to pandas.

    Nullable integer columns become float64 only when a batch holds a null, so their pandas type
    depends on the data and they get no type expectation (the contract cast at write time already
    guarantees them)."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "str"
    if pa.types.is_integer(arrow_type):
        return None if nullable else str(arrow_type)
    if pa.types.is_floating(arrow_type):
        return "float64"
    if pa.types.is_timestamp(arrow_type):
        return "Timestamp"
    if pa.types.is_boolean(arrow_type):
        return None if nullable else "bool"
    return None


# --- results ------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """One expectation's result, summed over every batch it ran on."""

    label: str
    type: str
    blocking: bool
    success: bool = True
    element_count: int = 0
    unexpected_count: int = 0
    missing_count: int = 0
    observed_value: Any = None
    examples: list[Any] = field(default_factory=list)
    error: str | None = None
    mostly: float | None = None
    locations: list[str] = field(default_factory=list)

    def add(self, result: dict[str, Any], success: bool, sensitive: bool) -> None:
        self.element_count += int(result.get("element_count") or 0)
        self.unexpected_count += int(result.get("unexpected_count") or 0)
        self.missing_count += int(result.get("missing_count") or 0)
        if "observed_value" in result:
            self.observed_value = _plain(result["observed_value"])
        if self.mostly is None:
            self.success = self.success and success
        else:  # `mostly` holds over the whole table, not batch by batch
            checked = self.element_count - self.missing_count
            self.success = checked == 0 or 1 - self.unexpected_count / checked >= self.mostly
        if not sensitive and len(self.examples) < MAX_EXAMPLES:
            room = MAX_EXAMPLES - len(self.examples)
            self.examples += [_plain(v) for v in result.get("partial_unexpected_list") or []][:room]
        for row in result.get("partial_unexpected_index_list") or []:
            where = location(row) if isinstance(row, dict) else None
            if where and len(self.locations) < MAX_EXAMPLES and where not in self.locations:
                self.locations.append(where)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"expectation": self.label, "success": self.success,
                               "blocking": self.blocking}
        if self.element_count:
            out.update(checked=self.element_count, unexpected=self.unexpected_count)
        if self.observed_value is not None:
            out["observed"] = self.observed_value
        if self.examples:
            out["examples"] = self.examples
        if self.locations:
            out["rows"] = self.locations
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class ValidationSummary:
    """A table's validation: row-level outcomes over its parts plus whole-table aggregates."""

    table: str
    rows: int = 0
    parts: int = 0
    batches: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return all(o.success for o in self.outcomes)

    def passed(self, blocking: bool) -> bool:
        return all(o.success for o in self.outcomes if o.blocking == blocking)

    def failures(self, blocking: bool | None = None) -> list[Outcome]:
        return [o for o in self.outcomes
                if not o.success and (blocking is None or o.blocking == blocking)]

    def outcome(self, label_prefix: str) -> Outcome:
        return next(o for o in self.outcomes if o.label.startswith(label_prefix))

    def describe(self, blocking: bool | None = None) -> str | None:
        """One line per failed expectation with where its offending rows are, or None."""
        lines = []
        for o in self.failures(blocking):
            where = f" at {', '.join(o.locations)}" if o.locations else ""
            count = f" ({o.unexpected_count} rows)" if o.unexpected_count else ""
            lines.append(f"{self.table}: {o.label}{count}{where}")
        return "\n".join(lines) or None

    def metadata(self, blocking: bool | None = None) -> dict[str, Any]:
        """A small JSON-able summary for a Dagster check's metadata."""
        chosen = [o for o in self.outcomes if blocking is None or o.blocking == blocking]
        return {
            "table": self.table,
            "rows_validated": self.rows,
            "parts": self.parts,
            "evaluated": len(chosen),
            "failed": sum(not o.success for o in chosen),
            "unexpected_rows": sum(o.unexpected_count for o in chosen),
            "results": [o.as_dict() for o in chosen if not o.success]
            + [o.as_dict() for o in chosen
               if o.success and isinstance(o.observed_value, int | float)],
        }


def location(row: dict[str, Any]) -> str | None:
    """`file:line`, `file` or an aggregate's `locations` text from one unexpected row."""
    if row.get("locations") is not None:
        return str(row["locations"])[:200]
    file, line = row.get("source_file"), row.get("source_line")
    if file is None:
        return None
    return f"{file}:{_plain(line)}" if line is not None else str(file)


def _plain(value: Any) -> Any:
    """JSON-able version of a GX value (numpy scalars, NaN, tuples)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value[:80]
    return value if isinstance(value, int | float | bool | type(None)) else str(value)[:80]


# --- GX runner ----------------------------------------------------------------------------------


class GXRunner:
    """One ephemeral GX context with a pandas datasource; suites are built on demand."""

    def __init__(self) -> None:
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.datasource = self.context.data_sources.add_pandas("personality_warehouse")
        self._batch_definitions: dict[str, Any] = {}
        self._suites: dict[tuple[str, str], Any] = {}

    def _batch_definition(self, name: str) -> Any:
        if name not in self._batch_definitions:
            asset = self.datasource.add_dataframe_asset(name=name)
            self._batch_definitions[name] = asset.add_batch_definition_whole_dataframe("whole")
        return self._batch_definitions[name]

    def build_suite(self, name: str, specs: Sequence[ExpectationSpec]) -> Any:
        """The suite of these specs, built once per process: adding an expectation compares it
        with every one added before, so building a suite cost as much as a third of validating
        a partition's small batches. Validating never changes a suite (it is never saved)."""
        key = (name, repr(tuple(specs)))
        if key not in self._suites:
            suite = self._gx.ExpectationSuite(name=name)
            for index, spec in enumerate(specs):
                suite.add_expectation(build_expectation(spec, index))
            self._suites[key] = suite
        return self._suites[key]

    def validate(self, name: str, frame: pd.DataFrame, specs: Sequence[ExpectationSpec],
                 outcomes: list[Outcome]) -> None:
        """Validate one in-memory frame and add its results to `outcomes` (same order as specs).

        Plain specs run as one suite on the frame; each `for_columns` spec runs on its columns
        stacked into one."""
        plain = [(s, o) for s, o in zip(specs, outcomes, strict=True) if not s.columns]
        if plain:
            self._validate(name, frame, [s for s, _ in plain], [o for _, o in plain])
        for index, (spec, outcome) in enumerate(zip(specs, outcomes, strict=True)):
            if spec.columns:
                stacked = pd.DataFrame({STACKED: pd.concat(
                    [frame[c] for c in spec.columns if c in frame], ignore_index=True)})
                self._validate(f"{name}__columns_{index}", stacked, [spec], [outcome])

    def _validate(self, name: str, frame: pd.DataFrame, specs: Sequence[ExpectationSpec],
                  outcomes: Sequence[Outcome]) -> None:
        suite = self.build_suite(name, specs)
        batch = self._batch_definition(name).get_batch(batch_parameters={"dataframe": frame})
        located = [c for c in LOCATION_COLUMNS if c in frame.columns]
        result_format: Any = "SUMMARY" if not located else {
            "result_format": "SUMMARY", "unexpected_index_column_names": located}
        result = batch.validate(suite, result_format=result_format)
        # Suites are never saved, so expectations have no ids: our index rides in `meta`.
        by_index = {r.expectation_config.meta["index"]: r for r in result.results}
        for index, (spec, outcome) in enumerate(zip(specs, outcomes, strict=True)):
            r = by_index[index]
            info = r.exception_info or {}
            if info.get("raised_exception"):
                outcome.success = False
                outcome.error = str(info.get("exception_message"))[:200]
                continue
            sensitive = spec.kwargs.get("column") in SENSITIVE_COLUMNS
            outcome.add(dict(r.result or {}), bool(r.success), sensitive)


@lru_cache(maxsize=1)
def runner() -> GXRunner:
    return GXRunner()


def build_expectation(spec: ExpectationSpec, index: int = 0) -> Any:
    """The GX 1.x expectation named by its snake-case type (`expect_column_values_to_be_unique`)."""
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in spec.type.split("_"))
    try:
        cls = getattr(gxe, class_name)
    except AttributeError as error:
        raise ValueError(f"unknown GX expectation {spec.type!r}") from error
    return cls(**spec.kwargs, meta={"index": index})


def _new_outcomes(specs: Iterable[ExpectationSpec]) -> list[Outcome]:
    return [Outcome(s.label, s.type, s.blocking, mostly=s.kwargs.get("mostly")) for s in specs]


# --- validating lake tables ---------------------------------------------------------------------


def validate_frame(suite: SuiteSpec, frame: pd.DataFrame) -> ValidationSummary:
    """Row-level expectations on one frame (tests, small tables)."""
    summary = ValidationSummary(suite.table, rows=len(frame), batches=1)
    summary.outcomes = _new_outcomes(suite.expectations)
    runner().validate(f"{suite.zone}_{suite.table}", frame, suite.expectations, summary.outcomes)
    return summary


def validate_parts(
    lake: Lake, suite: SuiteSpec, paths: Sequence[str], batch_rows: int = 50_000
) -> ValidationSummary:
    """Row-level expectations over part files, one bounded record batch at a time.

    Per-batch uniqueness is only a first line: uniqueness across batches and parts is an
    aggregate, computed by DuckDB."""
    summary = ValidationSummary(suite.table, parts=len(paths))
    summary.outcomes = _new_outcomes(suite.expectations)
    for batch in iter_part_batches(lake, paths, batch_rows=batch_rows):
        frame = pa.Table.from_batches([batch]).to_pandas()
        runner().validate(f"{suite.zone}_{suite.table}", frame, suite.expectations,
                          summary.outcomes)
        summary.rows += len(frame)
        summary.batches += 1
    return summary


def validate_aggregates(
    lake: Lake, suite: SuiteSpec, partition: str | None = None
) -> ValidationSummary:
    """Table properties: DuckDB computes each aggregate frame, GX validates it. With a
    partition, every partitioned table in the SQL is that partition's parts only."""
    summary = ValidationSummary(suite.table)
    con = _aggregate_connection(lake)
    try:
        for aggregate in suite.aggregates:
            sql = lake.render(aggregate.sql, partition)
            frame = con.sql(sql).df()
            outcomes = _new_outcomes(aggregate.expectations)
            for o in outcomes:
                o.label = f"{aggregate.name}: {o.label}"
            runner().validate(f"{suite.zone}_{suite.table}_{aggregate.name}", frame,
                              aggregate.expectations, outcomes)
            summary.outcomes += outcomes
    finally:
        con.close()
    return summary


@lru_cache(maxsize=1)
def _local_database() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"memory_limit": "1GB", "threads": 2})


def _aggregate_connection(lake: Lake) -> duckdb.DuckDBPyConnection:
    """A connection for a check's aggregates. On a local lake it is a cursor of one in-memory
    database kept per process (4 ms, where opening a database costs 50 ms, and every check of
    every partition opens one; aggregates only read, so they share nothing but the cache)."""
    if not lake.is_local:
        return lake.connect(memory_limit="1GB", threads=2)
    return _local_database().cursor()


def validate_table(
    lake: Lake, suite: SuiteSpec, partition: str | None = None, batch_rows: int = 50_000
) -> ValidationSummary:
    """Validate a table: row-level over the partition's parts (all parts when None), then the
    whole-table aggregates."""
    paths = (lake.list_parts(suite.zone, suite.table) if partition is None
             else lake.partition_paths(suite.zone, suite.table, partition))
    summary = validate_parts(lake, suite, paths, batch_rows)
    aggregates = validate_aggregates(lake, suite, partition)
    summary.outcomes += aggregates.outcomes
    return summary


# --- reusing a validation of identical content ------------------------------------------------


def _relation_parts(lake: Lake, zone: str, table: str, partition: str | None
                    ) -> dict[str, dict[str, Any]]:
    """The part files `Lake.partition_relation` reads for a table, with their listing info."""
    parts = table_parts(lake, zone, table)
    if partition is None or not parts:
        return parts
    if "partition" not in (lake.part_metadata(next(iter(parts))) or {}):
        return parts
    own = set(lake.partition_paths(zone, table, partition))
    return {p: info for p, info in parts.items() if p in own}


def validation_fingerprint(lake: Lake, suite: SuiteSpec, partition: str | None,
                           cache: DigestCache) -> str:
    """Content of every part the validation reads (the table's, and those of each table its
    aggregates name), the suite itself and the validating code: equal fingerprints give
    equal results, since a validation is a function of these alone."""
    tables = {(suite.zone, suite.table)} | {
        (m.group(1), m.group(2)) for a in suite.aggregates for m in PLACEHOLDER.finditer(a.sql)}
    groups = {f"{z}/{t}": _relation_parts(lake, z, t, partition) for z, t in sorted(tables)}
    settings = {"suite": repr(suite), "partition": partition, "code": source_digest(__file__),
                "gx": metadata.version("great-expectations")}
    return fingerprint_of(lake, groups, settings, cache)


def _summary_from(data: dict[str, Any]) -> ValidationSummary:
    outcomes = [Outcome(**o) for o in data.pop("outcomes")]
    return ValidationSummary(**data, outcomes=outcomes)


def validate_table_reusing(lake: Lake, suite: SuiteSpec, partition: str | None = None
                           ) -> tuple[ValidationSummary, bool]:
    """`validate_table`, unless the same suite already validated the same content: then that
    result (pass or fail alike, it would be the same again). Returns (summary, reused)."""
    cache = DigestCache(lake)
    fingerprint = validation_fingerprint(lake, suite, partition, cache)
    cache.save()
    record = ReuseRecord(lake, f"checks/{suite.zone}__{suite.table}")
    scope = partition or ALL
    stored = record.info(scope)
    if stored and record.unchanged(scope, fingerprint):
        return _summary_from(stored), True
    summary = validate_table(lake, suite, partition)
    record.remember(scope, fingerprint, info=asdict(summary))
    return summary, False
