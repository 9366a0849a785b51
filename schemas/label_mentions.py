"""Contract of `curated/label_mentions`: self-disclosed personality labels in curated text.

One row per mention (`assets/privacy/label_mentions.py` says what counts as one). Offsets are
characters (code points) of `curated/documents.text`, the anonymised text, so
`substring(text, start_char + 1, end_char - start_char)` in DuckDB (or `text[start:end]` in
Python) is `mention`. The text itself is not changed: the exports mask these spans.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.tables import TableContract, documented_field

_field = documented_field

LABEL_MENTION_KINDS = ("mbti_type", "mbti_nickname", "enneagram", "trait_score")

LABEL_MENTIONS = pa.schema(
    [
        _field("doc_id", pa.string(), "The curated document.", False),
        _field("corpus", pa.string(), "Corpus family.", False),
        _field("kind", pa.string(),
               "mbti_type, mbti_nickname, enneagram or trait_score (the placeholder's type).",
               False),
        _field("rule", pa.string(), "The detector rule that matched, e.g. after_type.", False),
        _field("start_char", pa.int64(), "First character of the mention (0-based).", False),
        _field("end_char", pa.int64(), "One past its last character.", False),
        _field("mention", pa.string(), "The mention as written, e.g. INFJ-T or 4w5.", False),
    ]
)

LABEL_MENTION_TABLES: dict[str, TableContract] = {
    "label_mentions": TableContract("label_mentions", LABEL_MENTIONS, ("doc_id", "start_char")),
}
