-- Self-disclosed personality labels in the curated text (privacy stage): one row per span,
-- with the split of its document, so "how many test authors name their own type" is one
-- query. `substring(text, start_char + 1, end_char - start_char)` of the document is `mention`;
-- the exports replace these spans with typed placeholders unless EXPORT_LABEL_MENTIONS=keep.
CREATE OR REPLACE VIEW label_mentions AS
SELECT m.doc_id, m.corpus, d.author_id, m.kind, m.rule, m.start_char, m.end_char, m.mention,
       s.split
FROM {{curated.label_mentions}} m
LEFT JOIN {{curated.documents}} d ON d.doc_id = m.doc_id AND d.corpus = m.corpus
LEFT JOIN {{curated.splits}} s ON s.doc_id = m.doc_id;
