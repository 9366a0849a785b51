"""The embedded sample corpus: every registered family's sample writer, run into one folder.

`make run` without `CORPORA_DIR` ingests this. It lives apart from `sample.py` (the writers) so
that the registry can name each family's writer without an import circle.

CLI: `python -m assets.ingest.sample_corpora TARGET_DIR [--seed N]`.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
from collections.abc import Iterable
from pathlib import Path

from assets.ingest.registry import FAMILIES
from assets.ingest.sample import Manifest


def write_sample_corpora(target_dir: str, seed: int = 7,
                         families: Iterable[str] | None = None) -> Manifest:
    """Write the synthetic corpus under `target_dir/<family>/` and return its manifest.

    Every registered family with a sample writer (`assets.ingest.registry`), or the named
    ones. The manifest maps family -> file -> {"records": data rows written, "bad": [what is
    wrong with the deliberately bad rows]}."""
    root = Path(target_dir)
    manifest: Manifest = {}
    names = list(FAMILIES) if families is None else list(families)
    for name in names:
        write = FAMILIES[name].sample
        if write is None:
            continue
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{name}-") as staging:
            manifest[name] = write(Path(staging), random.Random(f"{seed}:{name}"))
            _move_changed(Path(staging), folder)
    return manifest


def _move_changed(staging: Path, folder: Path) -> None:
    """Move the written files into `folder`, leaving a file with the same bytes untouched: its
    modification time stays, so an unchanged sample is an unchanged source to `run_all`."""
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        target = folder / path.relative_to(staging)
        if target.is_file() and target.read_bytes() == path.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target_dir")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    manifest = write_sample_corpora(args.target_dir, seed=args.seed)
    for family, files in manifest.items():
        for name, info in files.items():
            print(f"{family}/{name}: {info['records']} records, bad: {', '.join(info['bad'])}")


if __name__ == "__main__":
    main()
