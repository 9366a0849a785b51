-- Core tables for analysts. Until the anonymisation stage lands these read the raw zone;
-- afterwards they read only the curated zone.
CREATE OR REPLACE VIEW documents AS
SELECT doc_id, corpus, author_id, kind, text, created_at, context, source_file, source_line,
       content_hash
FROM {{raw.documents}};

CREATE OR REPLACE VIEW utterances AS
SELECT utterance_id, doc_id, corpus, turn, speaker_id, speaker, text, stage_directions
FROM {{raw.utterances}};

-- An author may be seen in several files of a corpus (a profile file and many dumps): one row
-- per author and corpus, documents summed.
CREATE OR REPLACE VIEW authors AS
SELECT author_id, corpus, any_value(platform) AS platform,
       max(username) AS username, sum(n_documents)::BIGINT AS n_documents,
       list(DISTINCT source_file ORDER BY source_file) AS source_files
FROM {{raw.authors}}
GROUP BY author_id, corpus;

-- The same label read from two files is one label.
CREATE OR REPLACE VIEW labels AS
SELECT DISTINCT subject_id, subject_kind, corpus, scheme, trait, value_num, value_cat, source
FROM {{raw.labels}};

CREATE OR REPLACE VIEW quarantine AS
SELECT corpus, source_file, source_line, reason, raw_excerpt
FROM {{raw.quarantine}};
