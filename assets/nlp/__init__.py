"""NLP stage: one spaCy parse per document, stored as DocBin chunks for every later stage."""
