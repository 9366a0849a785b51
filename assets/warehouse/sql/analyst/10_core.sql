-- Core tables for analysts: the curated zone only. Text is anonymised, author and speaker ids
-- are keyed pseudonyms, and no raw username or raw excerpt is reachable from this database.

CREATE OR REPLACE VIEW documents AS
SELECT doc_id, corpus, author_id, kind, text, created_at, context, source_file, source_line,
       content_hash, pii_counts, language, language_confidence
FROM {{curated.documents}};

CREATE OR REPLACE VIEW utterances AS
SELECT utterance_id, doc_id, corpus, turn, speaker_id, text, stage_directions, pii_counts
FROM {{curated.utterances}};

-- An author may be seen in several files of a corpus (a profile file and many dumps): one row
-- per author and corpus, documents summed.
CREATE OR REPLACE VIEW authors AS
SELECT author_id, corpus, any_value(platform) AS platform,
       sum(n_documents)::BIGINT AS n_documents,
       list(DISTINCT source_file ORDER BY source_file) AS source_files
FROM {{curated.authors}}
GROUP BY author_id, corpus;

-- The same label read from two files is one label. `scale` names the one value column that holds
-- it: value_binary (0/1), value_percentile (0-100), value_likert (-1/0/1 crowd ratings),
-- value_years (ages); categories (types, gender) are in value_cat. Never average across scales.
CREATE OR REPLACE VIEW labels AS
SELECT DISTINCT subject_id, subject_kind, corpus, scheme, trait, scale, value_binary,
       value_percentile, value_likert, value_years, value_cat, source
FROM {{curated.labels}};

-- Rejected rows: where and why. The raw excerpt stays in raw.duckdb.
CREATE OR REPLACE VIEW quarantine AS
SELECT corpus, source_file, source_line, reason
FROM {{curated.quarantine}};
