"""Relevance side by side: faqkb against the peers, on the bundled kb/ and on public FAQ data.

Three measurements, in one run:

1. The shared harness ``relevance.py`` (Whoosh as its tutorial shows it, SQLite FTS5,
   bm25s, tantivy, and this project) on the shared dev queries and on the project's
   own judged queries (``tests/data/relevance_queries.jsonl``), each table with
   per-query nDCG@10.
2. The shared harness ``faqbench.py`` on public FAQ retrieval data (default
   ``covidfaq.json``: 1,387 real people's queries against 68 FAQ pairs): faqkb extracts
   the pairs from Markdown FAQ pages it is given, the peers get them for free; P@1,
   MRR@10, S@5, nDCG@10, and how many queries faqkb flags ``no_close_match``.
3. ``noanswer.py``: how often "no close match" is said, across knowledge bases, of
   questions each can and cannot answer.

The harnesses live in the ``eval`` folder of the workspace's shared data, beside this
repository's clone (``../shared/eval``); ``--harness DIR`` points elsewhere. The peers
are not the project's dependencies: they live in a virtual environment of their own,
which ``--setup`` creates (``--venv`` picks its place). faqkb itself runs with this
repository's ``.venv``.

    .venv/bin/python tests/benchmarks/relevance.py --setup        # once: the peers' venv
    .venv/bin/python tests/benchmarks/relevance.py                # every table
    .venv/bin/python tests/benchmarks/relevance.py --only faqbench --data other.json
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
PARTS = ("judged", "faqbench", "noanswer")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--harness", type=Path, default=ROOT.parent / "shared" / "eval",
                        help="folder of relevance.py, faqbench.py and their data")
    parser.add_argument("--venv", type=Path, default=Path.home() / ".venvs" / "faqkb-eval",
                        help="the peers' virtual environment")
    parser.add_argument("--setup", action="store_true", help="create the peers' venv first")
    parser.add_argument("--systems", default="", help="comma-separated subset of systems")
    parser.add_argument("--data", type=Path, default=None,
                        help="FAQ data set for faqbench (default: covidfaq.json)")
    parser.add_argument("--only", default=",".join(PARTS),
                        help=f"comma-separated parts to run: {', '.join(PARTS)}")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if parts - set(PARTS):
        sys.exit(f"unknown part(s): {', '.join(sorted(parts - set(PARTS)))}")

    python = args.venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    if args.setup:
        venv.create(args.venv, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PEERS], check=True)
    if not python.exists():
        sys.exit(f"no peers' venv at {args.venv}: run with --setup first (or pass --venv)")
    for script in ("relevance.py", "faqbench.py"):
        if not (args.harness / script).exists():
            sys.exit(f"no harness at {args.harness / script}: pass --harness DIR (the "
                     "workspace's shared/eval folder, beside this clone)")
    data = args.data or args.harness / "covidfaq.json"
    project = os.environ.get("FAQKB_PROJECT_PYTHON") or sys.executable
    environment = dict(os.environ, FAQKB_PROJECT_PYTHON=project)

    status = 0
    if "judged" in parts:
        for label, queries in [("shared dev queries", args.harness / "dev_queries.jsonl"),
                               ("project's judged queries",
                                ROOT / "tests" / "data" / "relevance_queries.jsonl")]:
            print(f"\n=== {label}: {queries}\n", flush=True)
            command = [str(python), str(args.harness / "relevance.py"), "--queries",
                       str(queries), "--per-query"]
            if args.systems:
                command += ["--systems", args.systems]
            status |= subprocess.run(command, cwd=ROOT, env=environment,
                                     check=False).returncode
    if "faqbench" in parts:
        print(f"\n=== public FAQ retrieval: {data}\n", flush=True)
        command = [str(python), str(args.harness / "faqbench.py"), "--data", str(data),
                   "--project", str(ROOT)]
        if args.systems:
            command += ["--systems", args.systems]
        status |= subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode
    if "noanswer" in parts:
        print("\n=== no close match, across knowledge bases\n", flush=True)
        command = [project, str(Path(__file__).with_name("noanswer.py")), "--harness",
                   str(args.harness), "--data", str(data)]
        status |= subprocess.run(command, cwd=ROOT, check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
