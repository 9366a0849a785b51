-- Curate stage: curated documents with their split, labels with the split of their subject,
-- and contour features. Everything reads the curated zone only.

-- One row per curated document: its split, its author's label stratum and its length.
CREATE OR REPLACE VIEW doc_splits AS
SELECT d.doc_id, d.corpus, d.author_id, d.kind, d.text, length(d.text) AS n_chars,
       s.split, s.stratum, s.group_id, s.anchor_group_id, d.content_hash
FROM {{curated.documents}} d
JOIN {{curated.splits}} s ON s.doc_id = d.doc_id;

-- Labels (long format) with the split of the author or document they describe, so a model's
-- training labels are `WHERE split = 'train'` and nothing else.
CREATE OR REPLACE VIEW split_labels AS
SELECT l.subject_id, l.subject_kind, l.corpus, l.scheme, l.trait, l.scale, l.value_binary,
       l.value_percentile, l.value_likert, l.value_years, l.value_cat, l.source, s.split
FROM {{curated.labels}} l
JOIN (
    SELECT DISTINCT corpus, group_id AS subject_id, 'author' AS subject_kind, split
    FROM {{curated.splits}} WHERE group_id NOT LIKE 'doc:%'
    UNION ALL
    SELECT corpus, doc_id, 'document', split FROM {{curated.splits}}
) s ON s.corpus = l.corpus AND s.subject_id = l.subject_id AND s.subject_kind = l.subject_kind;

-- Documents with their split and their document features as one struct column, whatever
-- features the contours stage measures (`features.<name>`; NULL until it has run).
CREATE OR REPLACE VIEW doc_features_split AS
SELECT d.doc_id, d.corpus, d.author_id, d.split, d.n_chars, f AS features
FROM doc_splits d
LEFT JOIN {{curated.document_features}} f ON f.doc_id = d.doc_id;

-- Split sizes and balance per corpus: documents, authors, and the share of each split.
CREATE OR REPLACE VIEW split_summary AS
SELECT corpus, split, count(*) AS documents, count(DISTINCT group_id) AS authors,
       round(count(*) / sum(count(*)) OVER (PARTITION BY corpus), 4) AS share
FROM doc_splits GROUP BY corpus, split;
