"""How well the results page's "best answer" rule picks answers, at several margins.

The rule (faqkb.web.searching.best_answer) shows the first result on its own, whole,
when the results match closely, were searched in full, and the first scores at least
MARGIN times the second. Over judged queries on the bundled kb/ (the project's own,
tests/data/relevance_queries.jsonl, and the shared dev set when ../shared/eval is
there), this prints for each margin: how many answerable queries get a best answer,
how many of those are right (the first result matches a judged passage), and how many
unanswerable queries wrongly get one.

    .venv/bin/python tests/benchmarks/best_answer.py
    .venv/bin/python tests/benchmarks/best_answer.py --margins 1.2,1.5,2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from faqkb import KnowledgeBase, SearchResults  # noqa: E402
from faqkb.web import searching  # noqa: E402
from judged import BUNDLED_KB, QUERIES, JudgedQuery, _matches, load_queries  # noqa: E402

SHARED = ROOT.parent / "shared" / "eval" / "dev_queries.jsonl"


def shown(results: SearchResults, margin: float) -> bool:
    """Whether the rule shows a best answer at ``margin``."""
    saved = searching.BEST_ANSWER_MARGIN
    searching.BEST_ANSWER_MARGIN = margin
    try:
        return searching.best_answer(results) is not None
    finally:
        searching.BEST_ANSWER_MARGIN = saved


def right(results: SearchResults, query: JudgedQuery) -> bool:
    first = results.hits[0]
    return any(_matches(first.source, first.start, first.end, item) for item in query.relevant)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--margins", default="1.1,1.2,1.3,1.5,1.75,2,2.5,3")
    parser.add_argument("--dev", type=Path, default=SHARED,
                        help="the shared dev queries (skipped when missing)")
    args = parser.parse_args()
    margins = [float(m) for m in args.margins.split(",")]
    sets = {"project's own": QUERIES}
    if args.dev.is_file():
        sets["shared dev"] = args.dev
    with tempfile.TemporaryDirectory(prefix="faqkb-best-") as scratch:
        kb = KnowledgeBase(BUNDLED_KB, Path(scratch) / "index")
        for name, path in sets.items():
            queries = load_queries(BUNDLED_KB, path)
            found = [(q, kb.search(q.query, 10)) for q in queries]
            answerable = [(q, r) for q, r in found if q.relevant and r.hits]
            unanswerable = [(q, r) for q, r in found if not q.relevant]
            print(f"\n{name}: {len(answerable)} answerable, {len(unanswerable)} unanswerable")
            print(f"{'margin':>7}  {'shown':>9}  {'right':>9}  {'wrongly on unanswerable':>24}")
            for margin in margins:
                fired = [(q, r) for q, r in answerable if shown(r, margin)]
                correct = sum(right(r, q) for q, r in fired)
                false = sum(shown(r, margin) for _, r in unanswerable)
                share = f"{correct / len(fired):.0%}" if fired else "-"
                print(f"{margin:>7.2f}  {len(fired):>4}/{len(answerable):<4}  "
                      f"{correct:>4} {share:>4}  {false:>12}/{len(unanswerable)}")
            top = sum(right(r, q) for q, r in answerable)
            print(f"  (the first result is right for {top} of {len(answerable)} in all)")
        kb.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
