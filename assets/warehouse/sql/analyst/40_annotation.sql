-- The crowd-labelling loop (Label Studio). Annotators appear only as pseudonyms (ann_...).
-- Aggregated crowd labels are in `labels` with source = 'crowd_aggregate'.
CREATE OR REPLACE VIEW annotation_tasks AS SELECT * FROM {{curated.annotation_tasks}};
CREATE OR REPLACE VIEW annotations AS SELECT * FROM {{curated.annotations}};
CREATE OR REPLACE VIEW annotation_skips AS SELECT * FROM {{curated.annotation_skips}};
-- Answers no legal form of the label config fits (garbage choice, unknown control), with why.
CREATE OR REPLACE VIEW annotation_quarantine AS SELECT * FROM {{curated.annotation_quarantine}};
CREATE OR REPLACE VIEW pii_review_spans AS SELECT * FROM {{curated.pii_review_spans}};
