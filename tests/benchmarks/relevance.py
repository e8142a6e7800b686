"""Relevance side by side: faqkb against the peers, on judged queries over the bundled kb/.

Runs the shared harness (``../shared/eval/relevance.py``: Whoosh as its tutorial shows
it, SQLite FTS5, bm25s, tantivy, and this project) on the shared dev queries and on the
project's own judged queries (``tests/data/relevance_queries.jsonl``), printing each
table with per-query nDCG@10. The peers are not the project's dependencies: they live
in a virtual environment of their own, which ``--setup`` creates.

    python tests/benchmarks/relevance.py --setup     # once: create the peers' venv
    python tests/benchmarks/relevance.py             # print the tables
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PEERS = ["whoosh-reloaded", "bm25s", "PyStemmer", "tantivy"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--harness", type=Path, default=ROOT.parent / "shared" / "eval",
                        help="folder of relevance.py and dev_queries.jsonl")
    parser.add_argument("--venv", type=Path, default=Path.home() / ".venvs" / "faqkb-eval",
                        help="the peers' virtual environment")
    parser.add_argument("--setup", action="store_true", help="create the peers' venv first")
    parser.add_argument("--systems", default="", help="comma-separated subset of systems")
    args = parser.parse_args()

    python = args.venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    if args.setup:
        venv.create(args.venv, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    if not python.exists():
        sys.exit(f"no peers' venv at {args.venv}: run with --setup first")
    harness = args.harness / "relevance.py"
    if not harness.exists():
        sys.exit(f"no harness at {harness}: pass --harness")

    status = 0
    for label, queries in [("shared dev queries", args.harness / "dev_queries.jsonl"),
                           ("project's judged queries",
                            ROOT / "tests" / "data" / "relevance_queries.jsonl")]:
        print(f"\n=== {label}: {queries}\n", flush=True)
        command = [str(python), str(harness), "--queries", str(queries), "--per-query"]
        if args.systems:
            command += ["--systems", args.systems]
        status |= subprocess.run(command, cwd=ROOT, check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
