"""TextDescriptives side of `bench/feature_validity.py`; runs in `.venv-textdescriptives`.

`python textdescriptives_validity.py WINDOWS.spacy OUT.json MODEL`

Reads the windows as a DocBin written by the main environment (our parse and sentences, so the
comparison is of the metrics, not of two parses), runs only TextDescriptives' own components on
each Doc, and writes one flat dict of metrics per window, in order. The components' factories
may add a sentencizer to a pipeline without a parser; only `textdescriptives/*` components run
here, so the stored sentence boundaries stay as they are.
"""

from __future__ import annotations

import json
import math
import sys

COMPONENTS = (
    "textdescriptives/descriptive_stats",
    "textdescriptives/readability",
    "textdescriptives/dependency_distance",
)


def main() -> int:
    import spacy
    import textdescriptives as td
    from spacy.tokens import DocBin

    docbin, out, model = sys.argv[1:4]
    nlp = spacy.load(model)
    for component in COMPONENTS:
        if component not in nlp.pipe_names:
            nlp.add_pipe(component)
    components = [(n, p) for n, p in nlp.pipeline if n.startswith("textdescriptives/")]
    docs = []
    for doc in DocBin().from_disk(docbin).get_docs(nlp.vocab):
        for _, component in components:
            doc = component(doc)
        docs.append(doc)
    rows = td.extract_dict(docs, include_text=False) if docs else []
    clean = [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
              for k, v in row.items()} for row in rows]
    with open(out, "w") as handle:
        json.dump(clean, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main())
