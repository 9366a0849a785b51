"""Privacy assets: the curated zone, anonymised and pseudonymised, and its blocking leak check."""

from functools import lru_cache

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)

from assets.lake import Lake
from assets.platform.keys import PARSED_DOCUMENTS
from assets.platform.partitions import source_partitions
from assets.platform.resources import EngineResource, SpacyResource, WarehouseResource
from assets.privacy import anonymise_partitions
from assets.privacy.exports import remove_leaking_versions
from assets.privacy.known_names import KnownNames
from assets.privacy.label_mentions import write_label_mentions
from assets.privacy.leaks import LeakReport, LeakScanner
from assets.privacy.policy import Policy, load_policy
from assets.privacy.resources import PrivacyResource
from schemas.curated import CURATED_TABLES
from schemas.label_mentions import LABEL_MENTIONS
from schemas.tables import column_docs

RAW_DOCUMENTS, RAW_UTTERANCES = AssetKey(["raw", "documents"]), AssetKey(["raw", "utterances"])
RAW_AUTHORS, RAW_LABELS = AssetKey(["raw", "authors"]), AssetKey(["raw", "labels"])
RAW_QUARANTINE = AssetKey(["raw", "quarantine"])
# Every curated table of a partition waits for all its raw tables: a blocking check on any of
# them holds the whole partition back (its last complete version stays published), never half.
RAW_ALL = [RAW_DOCUMENTS, RAW_UTTERANCES, RAW_AUTHORS, RAW_LABELS, RAW_QUARANTINE]
# PARSED_DOCUMENTS, the shared parse (assets/nlp): documents are anonymised from its Docs, never
# parsed again.


def _meta(table: str) -> dict[str, MetadataValue]:
    return {"columns": MetadataValue.json(column_docs(CURATED_TABLES[table].schema))}


@lru_cache(maxsize=1)
def _policy() -> Policy:
    return load_policy()


def _known(lake: Lake) -> KnownNames:
    return anonymise_partitions.current_known_names(lake, _policy())


def _result(context: AssetExecutionContext, table: str, res: anonymise_partitions.CurateResult,
            removed: int) -> MaterializeResult:
    context.log.info(f"curated {table}: {res.rows[table]} rows, pii {dict(res.pii)}")
    return MaterializeResult(metadata={
        "rows_written": res.rows[table],
        "pii_counts": MetadataValue.json(dict(res.pii)),
        "parsed_here": res.parsed_here,
        "removed_parts": removed,
        "preview": MetadataValue.md("\n\n".join(f"> {p}" for p in res.preview) or "(none)"),
    })


@asset(key=["curated", "documents"],
       deps=[*RAW_ALL, PARSED_DOCUMENTS],
       partitions_def=source_partitions, group_name="privacy", metadata=_meta("documents"),
       kinds={"parquet", "presidio"})
def curated_documents(context: AssetExecutionContext, warehouse: WarehouseResource,
                      spacy: SpacyResource, privacy: PrivacyResource,
                      engine: EngineResource) -> MaterializeResult:
    """Documents with PII replaced by numbered placeholders and pseudonymous author ids
    (chunk tasks on the engine's workers)."""
    lake, nlp = warehouse.lake(), spacy.load()
    pii = privacy.engine(nlp, _policy(), _known(lake))
    res = anonymise_partitions.curate_documents(lake, pii, nlp, context.partition_key,
                                                privacy.pseudonym_key, engine.executor(),
                                                spacy.model_name)
    removed = anonymise_partitions.remove_vanished(lake, "documents", context.partition_key)
    return _result(context, "documents", res, removed)


@asset(key=["curated", "utterances"],
       deps=[*RAW_ALL, PARSED_DOCUMENTS],
       partitions_def=source_partitions, group_name="privacy", metadata=_meta("utterances"),
       kinds={"parquet", "presidio"})
def curated_utterances(context: AssetExecutionContext, warehouse: WarehouseResource,
                       spacy: SpacyResource, privacy: PrivacyResource,
                       engine: EngineResource) -> MaterializeResult:
    """Dialogue turns anonymised, speaker names dropped, speaker ids pseudonymised (chunk tasks
    on the engine's workers, one per parse chunk of the scenes)."""
    lake, nlp = warehouse.lake(), spacy.load()
    pii = privacy.engine(nlp, _policy(), _known(lake))
    res = anonymise_partitions.curate_utterances(lake, pii, nlp, context.partition_key,
                                                 privacy.pseudonym_key, engine.executor(),
                                                 spacy.model_name)
    removed = anonymise_partitions.remove_vanished(lake, "utterances", context.partition_key)
    return _result(context, "utterances", res, removed)


@asset(key=["curated", "authors"], deps=RAW_ALL, partitions_def=source_partitions,
       group_name="privacy", metadata=_meta("authors"), kinds={"parquet"})
def curated_authors(context: AssetExecutionContext, warehouse: WarehouseResource,
                    privacy: PrivacyResource) -> MaterializeResult:
    """Authors by pseudonym only: no username."""
    lake = warehouse.lake()
    res = anonymise_partitions.curate_authors(lake, context.partition_key, privacy.pseudonym_key)
    removed = anonymise_partitions.remove_vanished(lake, "authors", context.partition_key)
    return _result(context, "authors", res, removed)


@asset(key=["curated", "labels"], deps=RAW_ALL, partitions_def=source_partitions,
       group_name="privacy", metadata=_meta("labels"), kinds={"parquet"})
def curated_labels(context: AssetExecutionContext, warehouse: WarehouseResource,
                   privacy: PrivacyResource) -> MaterializeResult:
    """Personality labels whose author subjects carry the author's pseudonym."""
    lake = warehouse.lake()
    res = anonymise_partitions.curate_labels(lake, context.partition_key, privacy.pseudonym_key)
    removed = anonymise_partitions.remove_vanished(lake, "labels", context.partition_key)
    return _result(context, "labels", res, removed)


@asset(key=["curated", "quarantine"], deps=RAW_ALL, partitions_def=source_partitions,
       group_name="privacy", metadata=_meta("quarantine"), kinds={"parquet"})
def curated_quarantine(context: AssetExecutionContext, warehouse: WarehouseResource,
                       privacy: PrivacyResource) -> MaterializeResult:
    """Rejected rows by reason only: the raw excerpts stay in the raw zone."""
    lake = warehouse.lake()
    res = anonymise_partitions.curate_quarantine(lake, context.partition_key, privacy.pseudonym_key)
    removed = anonymise_partitions.remove_vanished(lake, "quarantine", context.partition_key)
    return _result(context, "quarantine", res, removed)


@asset(key=["curated", "label_mentions"], deps=[curated_documents],
       partitions_def=source_partitions, group_name="privacy", kinds={"parquet"},
       metadata={"columns": MetadataValue.json(column_docs(LABEL_MENTIONS))})
def label_mentions(context: AssetExecutionContext, warehouse: WarehouseResource
                   ) -> MaterializeResult:
    """Self-disclosed personality labels (MBTI types and nicknames, Enneagram, trait scores)
    in curated text, as spans: the text keeps them for analysts, the exports mask them."""
    counts = write_label_mentions(warehouse.lake(), context.partition_key)
    return MaterializeResult(metadata={**counts.metadata(),
                                       "mentions": MetadataValue.json(dict(counts.mentions))})


def _leak_result(report: LeakReport) -> AssetCheckResult:
    return AssetCheckResult(
        passed=report.total == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "leaks": MetadataValue.json(dict(report.counts)),
            "texts_scanned": report.texts_scanned,
            "texts_with_leaks": report.texts_with_leaks,
            "examples_masked": MetadataValue.json(report.examples),
        },
    )


@asset_check(asset=curated_documents, name="no_identifier_leaks", blocking=True,
             partitions_def=source_partitions)
def documents_leak_check(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    """No email, phone, user URL, u/ name, @handle or known raw author name in curated text."""
    lake = warehouse.lake()
    scanner = LeakScanner(_known(lake))
    return _leak_result(anonymise_partitions.scan_curated(lake, "documents", context.partition_key,
                                                        scanner))


@asset_check(asset=curated_utterances, name="no_identifier_leaks", blocking=True,
             partitions_def=source_partitions)
def utterances_leak_check(
    context: AssetCheckExecutionContext, warehouse: WarehouseResource
) -> AssetCheckResult:
    """The same leak scan over dialogue turns and stage directions."""
    lake = warehouse.lake()
    scanner = LeakScanner(_known(lake))
    return _leak_result(anonymise_partitions.scan_curated(
        lake, "utterances", context.partition_key, scanner, ("text", "stage_directions")))


# The exports are written by the curate stage; they are checked here, by key, with this
# stage's scanner.
DATASET_EXPORT = AssetKey(["exports", "dataset_export"])


@asset_check(asset=DATASET_EXPORT, name="exports_leak_free")
def exports_leak_check(context: AssetCheckExecutionContext,
                       warehouse: WarehouseResource) -> AssetCheckResult:
    """Every published export version scanned like the curated tables; leaking ones removed."""
    lake = warehouse.lake()
    removed = remove_leaking_versions(lake, scanner=LeakScanner(_known(lake)))
    for item in removed:
        context.log.warning(f"removed leaking export {item.dataset}/{item.version}: "
                            f"{item.description}")
    return AssetCheckResult(
        passed=not removed,
        severity=AssetCheckSeverity.WARN,
        description=(f"removed {len(removed)} leaking export version(s)" if removed
                     else "no published export version leaks"),
        metadata={"removed_versions": MetadataValue.json(
            [{"dataset": r.dataset, "version": r.version, "where": r.description}
             for r in removed])},
    )


ASSETS = [curated_documents, curated_utterances, curated_authors, curated_labels,
          curated_quarantine, label_mentions]
CHECKS = [documents_leak_check, utterances_leak_check, exports_leak_check]
