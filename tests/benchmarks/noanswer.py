"""How honestly faqkb says "no close match", across knowledge bases.

Each knowledge base is asked what it answers and what it does not: the public FAQ data
set's real queries against its own pairs (answerable) and against the bundled kb/
(unanswerable), the bundled kb's judged queries against it (answerable, and those it
judges unanswerable) and against the FAQ data set's pairs (unanswerable), and
off-topic questions against both. It prints the share of each group flagged
``no_close_match`` (or answered with nothing), and the CPU time per search.

    .venv/bin/python tests/benchmarks/noanswer.py --harness ../shared/eval

Answerable queries should be flagged rarely (the target is 5% at most), unanswerable
ones nearly always (85% at least). Each distinct query is asked once, so none is answered
from the result memory.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from faqkb import KnowledgeBase  # noqa: E402
from judged import load_queries  # noqa: E402

# Written for this script: questions no knowledge base of ours answers.
OFF_TOPIC = [
    "how do I bake sourdough bread", "lost phone", "what is the capital of france",
    "how to change a car tyre", "best pizza in naples", "who won the world cup in 2018",
    "how do I reset my router password", "cheap flights to tokyo", "how to knit a scarf",
    "what time is it in sydney", "python list comprehension syntax", "how to grow tomatoes",
    "refund for a cancelled order", "my invoice shows the wrong amount",
    "how do I delete my account", "translate hello into spanish",
    "how many moons does jupiter have", "recipe for lemon cake", "how to tie a tie",
    "stock price of apple",
]


def flagged(kb: KnowledgeBase, queries: list[str], cpu: list[float]) -> float:
    """The share of ``queries`` (each asked once, so none is answered from the result
    memory) that ``kb`` answers with no close match, or with nothing."""
    queries = list(dict.fromkeys(queries))
    hits = 0
    for query in queries:
        start = time.thread_time()
        results = kb.search(query)
        cpu.append(time.thread_time() - start)
        hits += (not results) or results.no_close_match
    return hits / max(1, len(queries))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--harness", type=Path, default=ROOT.parent / "shared" / "eval",
                        help="folder of faqbench.py, covidfaq.json and dev_queries.jsonl")
    parser.add_argument("--data", type=Path, default=None,
                        help="an FAQ data set in faqbench's format (default: covidfaq.json)")
    parser.add_argument("--sample", type=int, default=300,
                        help="how many of its queries to ask the bundled kb")
    args = parser.parse_args()
    sys.path.insert(0, str(args.harness))
    import faqbench  # the harness writes the data set's pairs as Markdown FAQs

    data = json.loads((args.data or args.harness / "covidfaq.json").read_text("utf-8"))
    faq_queries = [q["query"] for q in data["queries"]]
    judged = load_queries(ROOT / "kb") + load_queries(ROOT / "kb",
                                                      args.harness / "dev_queries.jsonl")
    answerable = [q.query for q in judged if q.relevant]
    unanswerable = [q.query for q in judged if not q.relevant]
    sample = random.Random(5).sample(faq_queries, min(args.sample, len(faq_queries)))
    cpu: list[float] = []
    with tempfile.TemporaryDirectory() as work:
        faq_dir = Path(work) / "faq"
        faqbench.write_kb(data["pairs"], faq_dir, 25)
        faq = KnowledgeBase(kb_dir=faq_dir, index_dir=Path(work) / "faq-index")
        bundled = KnowledgeBase(kb_dir=ROOT / "kb", index_dir=Path(work) / "kb-index")
        faq.build()
        bundled.build()
        rows = [
            (f"{data['name']} kb", "its own real queries", "answerable",
             flagged(faq, faq_queries, cpu)),
            (f"{data['name']} kb", "bundled kb's judged queries", "unanswerable",
             flagged(faq, answerable + unanswerable, cpu)),
            (f"{data['name']} kb", "off-topic questions", "unanswerable",
             flagged(faq, OFF_TOPIC, cpu)),
            ("bundled kb", "its judged answerable queries", "answerable",
             flagged(bundled, answerable, cpu)),
            ("bundled kb", "its judged unanswerable queries", "unanswerable",
             flagged(bundled, unanswerable, cpu)),
            ("bundled kb", f"{len(sample)} of {data['name']}'s queries", "unanswerable",
             flagged(bundled, sample, cpu)),
            ("bundled kb", "off-topic questions", "unanswerable",
             flagged(bundled, OFF_TOPIC, cpu)),
        ]
    print(f"{'knowledge base':18} {'queries':34} {'kind':13} flagged")
    for kb_name, queries, kind, share in rows:
        print(f"{kb_name:18} {queries:34} {kind:13} {share:6.1%}")
    cpu.sort()
    print(f"\nCPU per search: p50 {cpu[len(cpu) // 2] * 1000:.2f} ms, "
          f"p90 {cpu[int(len(cpu) * 0.9)] * 1000:.2f} ms ({len(cpu)} searches)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
