"""Contour assets: windowed features per document, their summaries, and author aggregates."""


from dagster import (
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    asset,
    multi_asset,
)

from assets.contours import authors, compute, plot
from assets.platform.keys import PARSED_DOCUMENTS
from assets.platform.partitions import source_partitions
from assets.platform.resources import (
    EngineResource,
    LexiconResource,
    SpacyResource,
    WarehouseResource,
)
from assets.platform.reuse import SKIPPED, DigestCache, ReuseRecord
from schemas.feature_catalog import AUTHOR_FEATURES, CONTOURS, DOCUMENT_FEATURES
from schemas.tables import column_docs

CONTOURS_KEY = AssetKey(["curated", "contours"])
CURATED_DOCUMENTS = AssetKey(["curated", "documents"])
DOCUMENT_FEATURES_KEY = AssetKey(["curated", "document_features"])
AUTHOR_FEATURES_KEY = AssetKey(["curated", "author_features"])


@multi_asset(
    specs=[
        AssetSpec(CONTOURS_KEY, deps=[PARSED_DOCUMENTS], group_name="contours", kinds={"parquet"},
                  description="One row per document window (3 sentences, stride 1): features.",
                  metadata={"columns": MetadataValue.json(column_docs(CONTOURS))}),
        AssetSpec(DOCUMENT_FEATURES_KEY, deps=[PARSED_DOCUMENTS], group_name="contours",
                  kinds={"parquet"},
                  description="Per document and feature: mean, sd, min, max, slope of windows.",
                  metadata={"columns": MetadataValue.json(column_docs(DOCUMENT_FEATURES))}),
    ],
    partitions_def=source_partitions,
    can_subset=False,
)
def contours(context: AssetExecutionContext, warehouse: WarehouseResource, spacy: SpacyResource,
             lexicons: LexiconResource, engine: EngineResource):
    """Window-by-window psycholinguistic features of every parsed document, and their summaries
    (chunk tasks on the engine's workers)."""
    lake, featurizer = warehouse.lake(), compute.featurizer_for(lexicons.lexicon_dir)
    sources = compute.ContourSources(spacy.model_name, lexicons.lexicon_dir)
    results = compute.contours_partition(lake, context.partition_key, sources,
                                         executor=engine.executor())
    common = {"lexicons": MetadataValue.json(featurizer.lexicons.report()),
              "skipped_features": MetadataValue.json(compute.skipped_features(featurizer)),
              "parts": MetadataValue.json({r.part: "skipped (unchanged)" if r.skipped
                                           else r.documents for r in results}),
              # English-only features: documents in another language get no rows
              "documents_not_english": sum(int(r.stamp.get("documents_not_english", 0))
                                           for r in results)}
    yield MaterializeResult(asset_key=CONTOURS_KEY,
                            metadata={**common, "windows": sum(r.windows for r in results)})
    doc_id, table = compute.sample_document(lake, context.partition_key)
    picture = {"contour_plot": MetadataValue.md(plot.markdown_image(
        plot.plot_contours(table, title=f"doc {doc_id}", dpi=60)))} if doc_id else {}
    yield MaterializeResult(asset_key=DOCUMENT_FEATURES_KEY, metadata={
        **common, "documents": sum(r.documents for r in results), **picture})


@asset(key=AUTHOR_FEATURES_KEY, deps=[DOCUMENT_FEATURES_KEY, CURATED_DOCUMENTS],
       group_name="warehouse", kinds={"parquet"},
       metadata={"columns": MetadataValue.json(column_docs(AUTHOR_FEATURES))})
def author_features(warehouse: WarehouseResource) -> MaterializeResult:
    """Author features: document means weighted by words, per corpus, keyed by pseudonym.

    Per corpus: one whose document features and curated documents did not change is kept."""
    lake = warehouse.lake()
    cache, record = DigestCache(lake), ReuseRecord(lake, "curated/author_features")
    fingerprints = {c: authors.author_features_fingerprint(lake, c, cache)
                    for c in lake.corpora("curated", "document_features")}
    cache.save()
    changed = [c for c, f in fingerprints.items() if not record.unchanged(c, f)]
    rows = authors.write_author_features(lake, only=changed)
    for corpus in rows:
        record.remember(corpus, fingerprints[corpus],
                        [lake.part_path("curated", "author_features", corpus, "authors")],
                        info={"authors": rows[corpus]})
    reuse = {c: "built" if c in rows else SKIPPED for c in fingerprints}
    overall = SKIPPED if fingerprints and not rows else f"built {len(rows)} corpora"
    return MaterializeResult(metadata={
        "reuse": overall, "corpora": MetadataValue.json(reuse),
        "authors": MetadataValue.json({c: rows.get(c, record.info(c).get("authors"))
                                       for c in fingerprints})})


ASSETS = [contours, author_features]
CHECKS: list = []
