"""Arrow schemas of the annotation tables (curated zone), written by `annotation/`.

One part per corpus and labelling project (`<table>/corpus=<c>/<project>.parquet`), replaced
whole on each push or pull. Annotators appear only as keyed pseudonyms; no table holds a
username, an e-mail address or the text of a marked PII span.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.tables import TableContract, documented_field

_field = documented_field


_PROJECT = _field("project", pa.string(), "Labelling project: big5, mbti or pii_review.", False)
_TASK = _field("task_id", pa.int64(), "Label Studio task id.", False)
_DOC = _field("doc_id", pa.string(), "The curated document the task shows.", False)
_CORPUS = _field("corpus", pa.string(), "Corpus family of the document.", False)

ANNOTATION_TASKS = pa.schema(
    [
        _field("external_key", pa.string(), "Task identity: <project>:<doc_id>.", False),
        _PROJECT,
        _field("project_id", pa.int64(), "Label Studio project id.", False),
        _TASK, _DOC, _CORPUS,
        _field("pushed_at", pa.timestamp("s", tz="UTC"), "When the mapping was last written."),
    ]
)

_ANNOTATION_BASE = [
    _field("annotation_id", pa.int64(), "Label Studio annotation id (the snapshot key).", False),
    _PROJECT, _TASK, _DOC, _CORPUS,
    _field("annotator", pa.string(), "Keyed pseudonym of the annotator (ann_ + 16 hex).", False),
]
_ANNOTATION_TIMES = [
    _field("lead_time", pa.float64(), "Seconds the annotator spent on the task."),
    _field("created_at", pa.timestamp("us", tz="UTC"), "When the annotation was submitted."),
    _field("updated_at", pa.timestamp("us", tz="UTC"), "When it was last edited."),
]

ANNOTATIONS = pa.schema(
    [
        *_ANNOTATION_BASE,
        _field("field", pa.string(), "Trait (EXT...), MBTI axis (I/E...), pii or review.", False),
        _field("value", pa.string(), "-1/0/1, a pole letter or X, a span as JSON, found/clean."),
        *_ANNOTATION_TIMES,
    ]
)

ANNOTATION_SKIPS = pa.schema([*_ANNOTATION_BASE, *_ANNOTATION_TIMES])

ANNOTATION_QUARANTINE = pa.schema(
    [
        *_ANNOTATION_BASE,
        _field("field", pa.string(), "The answer's field (control name in the label config).",
               False),
        _field("value", pa.string(), "The answer as given (cut to 80 characters); null when "
               "the whole control is unknown or malformed."),
        _field("reason", pa.string(), "Why no legal form of the label config fits it.", False),
        *_ANNOTATION_TIMES,
    ]
)

PII_REVIEW_SPANS = pa.schema(
    [
        _DOC, _CORPUS,
        _field("start", pa.int64(), "Span start in the task text (document or transcript).", False),
        _field("end", pa.int64(), "Span end (exclusive) in the task text.", False),
        _field("entity", pa.string(), "Policy entity the reviewers gave the span.", False),
        _field("turn", pa.int64(), "Utterance turn of a dialogue span; null for documents."),
        _field("turn_start", pa.int64(), "Span start within that turn's text."),
        _field("turn_end", pa.int64(), "Span end within that turn's text."),
        _field("votes", pa.int64(), "Reviewers who marked exactly this span.", False),
        _field("reviewers", pa.int64(), "Reviewers who submitted a review of the document.", False),
        _field("agreed", pa.bool_(), "At least two reviewers marked it.", False),
    ]
)

ANNOTATION_TABLES: dict[str, TableContract] = {
    "annotation_tasks": TableContract("annotation_tasks", ANNOTATION_TASKS, ("external_key",)),
    "annotations": TableContract(
        "annotations", ANNOTATIONS, ("annotation_id", "field", "value")
    ),
    "annotation_skips": TableContract("annotation_skips", ANNOTATION_SKIPS, ("annotation_id",)),
    "annotation_quarantine": TableContract(
        "annotation_quarantine", ANNOTATION_QUARANTINE, ("annotation_id", "field", "value")
    ),
    "pii_review_spans": TableContract(
        "pii_review_spans", PII_REVIEW_SPANS, ("doc_id", "start", "end", "entity")
    ),
}
