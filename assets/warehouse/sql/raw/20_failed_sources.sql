-- Source files that could not be read at all, one row per file and partition, with the reason
-- (empty, header only, unknown role, missing required columns, wrong compression, permission
-- denied, symlink loop). The partition's other files are ingested and published as usual.
-- Here, not in warehouse.duckdb: names and reasons come from the raw input unfiltered (a
-- per-user file may be named after its author). The run summary lists them too.
CREATE OR REPLACE VIEW failed_sources AS
SELECT corpus, partition, source_file, reason FROM {{raw.failed_sources}};
