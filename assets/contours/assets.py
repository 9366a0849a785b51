"""Contour assets: windowed features per document, their summaries, and author aggregates."""


import pyarrow.dataset as ds
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
from assets.platform.partitions import source_partitions
from assets.platform.resources import LexiconResource, SpacyResource, WarehouseResource
from schemas.feature_catalog import AUTHOR_FEATURES, CONTOURS, DOCUMENT_FEATURES
from schemas.tables import column_docs

# The shared parse (assets/nlp), by key: stages talk through the lake, not each other's modules.
PARSED_DOCUMENTS = AssetKey(["raw", "parsed_documents"])
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
             lexicons: LexiconResource):
    """Window-by-window psycholinguistic features of every parsed document, and their summaries."""
    lake, featurizer = warehouse.lake(), compute.featurizer_for(lexicons.lexicon_dir)
    results = compute.contours_partition(lake, spacy.load().vocab, context.partition_key,
                                         featurizer)
    common = {"lexicons": MetadataValue.json(featurizer.lexicons.report()),
              "skipped_features": MetadataValue.json(compute.skipped_features(featurizer)),
              "parts": MetadataValue.json({r.part: "skipped (unchanged)" if r.skipped
                                           else r.documents for r in results})}
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
    """Author features: document means weighted by words, per corpus, keyed by pseudonym."""
    lake, rows = warehouse.lake(), {}
    for corpus in lake.corpora(compute.ZONE, compute.DOCUMENT_FEATURES_TABLE):
        features = ds.dataset(lake.list_parts("curated", "document_features", corpus),
                              filesystem=lake.fs, format="parquet")
        # Curated documents carry the pseudonymous author id: the curated zone never holds
        # a raw username, so the raw documents cannot supply this mapping.
        curated_docs = lake.list_parts("curated", "documents", corpus)
        if not curated_docs:
            continue
        mapping = ds.dataset(curated_docs, filesystem=lake.fs,
                             format="parquet").to_table(columns=["doc_id", "author_id", "corpus"])
        table = authors.author_features(features, mapping)
        lake.write_part("curated", "author_features", corpus, "authors", table,
                        {"corpus": corpus, "author_id_source": "curated.documents.author_id"})
        rows[corpus] = table.num_rows
    return MaterializeResult(metadata={"authors": MetadataValue.json(rows)})


ASSETS = [contours, author_features]
CHECKS: list = []
