"""Rewrite the absolute paths in committed result files relative to the repository.

Results written before manifests recorded relative paths carry the recording machine's
absolute ones (``--out /work/main/benchmarks/...``). Give the repository root they were
recorded in; every absolute path in the manifests, summaries, tables and sidecars under the
folder is rewritten relative to it (``dspy_coder.bench.portable_paths``). Answers
(``results.jsonl``) hold no paths and are not touched.

    python scripts/portable_results.py benchmarks/results --recorded-root /work/main
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from dspy_coder.bench.portable_paths import portable_text

FILES = ("manifest.json", "summary.json", "table.md", "program.meta.json", "comparison.md")

logger = logging.getLogger("portable_results")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--recorded-root", type=Path, required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    changed = 0
    for name in FILES:
        for path in sorted(args.folder.rglob(name)):
            text = path.read_text("utf-8")
            new = portable_text(text, args.recorded_root)
            if new != text:
                path.write_text(new, "utf-8")
                changed += 1
    logger.info("rewrote %d files under %s", changed, args.folder)


if __name__ == "__main__":
    main()
