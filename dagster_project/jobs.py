"""Two jobs, split by partitioning: Dagster runs a partitioned job once per partition, and the
warehouse-wide assets (views, splits, exports) must run once after all of them."""

from dagster import AssetSelection, define_asset_job

from assets.platform.partitions import source_partitions

partition_job = define_asset_job(
    "partition_job",
    selection=AssetSelection.groups("ingest", "nlp", "contours", "privacy"),
    partitions_def=source_partitions,
    description="Ingest, parse, measure and anonymise one source partition.",
)

warehouse_job = define_asset_job(
    "warehouse_job",
    selection=AssetSelection.groups("warehouse", "curate"),
    description="Rebuild the warehouse-wide assets: views, features per author, splits, exports.",
)

# Apart from the warehouse job: it needs a running Label Studio, and the warehouse must
# rebuild even while the annotation server is down.
annotation_job = define_asset_job(
    "annotation_job",
    selection=AssetSelection.groups("annotation"),
    description="Push labelling tasks to Label Studio, pull annotations, aggregate crowd labels.",
)

JOBS = [partition_job, warehouse_job, annotation_job]
