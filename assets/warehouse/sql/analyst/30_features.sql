-- Text contours (see the feature_catalog view for every feature's definition and citation).
-- contours: one row per document window; document_features: mean/sd/min/max/slope per feature
-- (columns <feature>__<stat>); author_features: word-weighted means over an author's documents.
CREATE OR REPLACE VIEW contours AS SELECT * FROM {{curated.contours}};
CREATE OR REPLACE VIEW document_features AS SELECT * FROM {{curated.document_features}};
CREATE OR REPLACE VIEW author_features AS SELECT * FROM {{curated.author_features}};
