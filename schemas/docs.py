"""Column documentation for `warehouse/README.md`, generated from the contracts so the two never
drift (a test compares them). Regenerate with `python -m schemas.docs`."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from schemas.tables import RAW_TABLES, column_docs

README = Path(__file__).resolve().parents[1] / "warehouse" / "README.md"
BEGIN, END = "<!-- columns:begin -->", "<!-- columns:end -->"


def render_table_docs() -> str:
    lines = []
    for name, contract in RAW_TABLES.items():
        docs = column_docs(contract.schema)
        lines += [f"### `{name}`", "", "| column | type | meaning |", "|---|---|---|"]
        lines += [f"| `{f.name}` | {f.type} | {docs[f.name]} |" for f in contract.schema]
        lines.append("")
    return "\n".join(lines)


def update_readme(path: Path = README) -> bool:
    """Rewrite the generated section; returns whether anything changed."""
    text = path.read_text()
    block = f"{BEGIN}\n{render_table_docs()}\n{END}"
    new = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    if new != text:
        path.write_text(new)
    return new != text


if __name__ == "__main__":
    sys.exit(0 if not update_readme() else print(f"updated {README}"))
