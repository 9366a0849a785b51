-- Privileged debugging database (raw.duckdb): raw text and real usernames.
-- Never hand this file to analysts; warehouse.duckdb is theirs.
CREATE OR REPLACE VIEW raw_documents AS SELECT * FROM {{raw.documents}};
CREATE OR REPLACE VIEW raw_utterances AS SELECT * FROM {{raw.utterances}};
CREATE OR REPLACE VIEW raw_authors AS SELECT * FROM {{raw.authors}};
CREATE OR REPLACE VIEW raw_labels AS SELECT * FROM {{raw.labels}};
CREATE OR REPLACE VIEW raw_quarantine AS SELECT * FROM {{raw.quarantine}};
