"""NLP assets: the one spaCy parse of every document."""


from dagster import AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from assets.nlp.parse import ParseConfig, language_counts, parse_partition
from assets.platform.keys import PARSED_DOCUMENTS
from assets.platform.partitions import source_partitions
from assets.platform.resources import EngineResource, SpacyResource, WarehouseResource


@asset(
    key=PARSED_DOCUMENTS,
    deps=[AssetKey(["raw", "documents"])],
    partitions_def=source_partitions,
    group_name="nlp",
    kinds={"spacy"},
)
def parsed_documents(
    context: AssetExecutionContext, warehouse: WarehouseResource, spacy: SpacyResource,
    engine: EngineResource,
) -> MaterializeResult:
    """spaCy parse of every document (DocBin chunks, parsed by the engine's workers); reparsed
    only when text or model change."""
    config = ParseConfig(model=spacy.model_name, batch_size=spacy.batch_size,
                         chunk_bytes=engine.chunk_bytes, chunk_docs=engine.chunk_docs)
    results = parse_partition(warehouse.lake(), spacy.load(), context.partition_key, config,
                              executor=engine.executor())
    parsed = [r for r in results if not r.skipped]
    stamp = results[0].stamp if results else {}
    return MaterializeResult(
        metadata={
            "documents": sum(r.documents for r in results),
            "documents_parsed": sum(r.documents for r in parsed),
            "tokens_parsed": sum(r.tokens for r in parsed),
            "parts": MetadataValue.json(
                {r.part: "skipped (unchanged)" if r.skipped else r.chunks for r in results}
            ),
            "model": f"{stamp.get('model', '')} {stamp.get('model_version', '')}".strip(),
            # documents per language (und: too little text to tell); features are English-only
            "languages": MetadataValue.json(language_counts(warehouse.lake(),
                                                            context.partition_key)),
        }
    )


ASSETS = [parsed_documents]
CHECKS: list = []
