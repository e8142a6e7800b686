"""Shared by the on-demand scripts: ``faqkb serve`` in a subprocess on a free loopback
port, hostile queries, and a small latency summary.

- :func:`served` starts the server (only ever on 127.0.0.1), waits until it says where
  it listens, and stops it (its own process, by its handle) however the run ends.
- :func:`hostile_query` makes a query from a seeded ``random.Random``: words of the
  knowledge base and their typos and prefixes, operators, ``field:value`` pairs,
  ranges, wildcards, quotes, control characters, emoji, right-to-left marks,
  surrogates, and now and then 10,000 characters.
- :class:`Latencies` keeps times and the slowest requests, and prints percentiles.
"""

from __future__ import annotations

import heapq
import os
import queue
import re
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_KB = ROOT / "kb"
START_TIMEOUT = 120.0  # seconds to build the index and start listening
STOP_TIMEOUT = 10.0

OPERATORS = ["AND", "OR", "NOT", "&&", "||", "!", "-", "--", "+", "~", "^", "^2", "~0.5",
             "*", "**", "?", "\\", "/", ":", '"', "'", "(", ")", "[", "]", "{", "}", "TO",
             "<", ">", "=", "&", "|", "%", "%00", "%s", "{0}", "$", "#", "@", ";", "--", "/*"]
FIELDS = ["kind", "type", "source", "src", "doc", "question", "body", "title", "id",
          "heading", "text", "url", "KIND", "Source", "x", ""]
FIELD_VALUES = ["qa", "claim", "faq", "fact", "", "*", "?", "..", "../../etc/passwd",
                "000_", "0", '"a b"', "()", "qa:claim", "source:"]
# Code point ranges to draw odd characters from: controls, combining marks, right-to-left
# text and overrides, zero-width and line separators, CJK, variation selectors,
# non-characters, emoji, private use, and the astral planes.
ODD_RANGES = [(0x00, 0x1F), (0x7F, 0x9F), (0xA0, 0x24F), (0x300, 0x36F), (0x590, 0x6FF),
              (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x206F), (0x3000, 0x30FF),
              (0x4E00, 0x4FFF), (0xFE00, 0xFE0F), (0xFFF0, 0xFFFF), (0x1F300, 0x1FAFF),
              (0xE000, 0xE0FF), (0x10000, 0x10FFFF)]
SURROGATES = (0xD800, 0xDFFF)
SEPARATORS = [" "] * 12 + ["", "\t", "  ", "\n", "\u3000", "\u00a0", "\x00"]


@dataclass(frozen=True, slots=True)
class Server:
    """A running ``faqkb serve``: where it listens, and its process id."""

    host: str
    port: int
    pid: int = 0

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{self.host}:{self.port}"


@contextmanager
def served(kb_dir: Path, index_dir: Path, *, threads: int = 4,
           env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run ``faqkb serve`` on a free port of 127.0.0.1 for the ``with`` block."""
    command = [sys.executable, "-m", "faqkb", "serve", "--host", "127.0.0.1", "--port", "0",
               "--threads", str(threads), "--kb", str(kb_dir), "--index-dir", str(index_dir)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, **(env or {})})
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        seen: list[str] = []
        while True:
            line = lines.get(timeout=START_TIMEOUT)
            seen.append(line)
            if not line:
                raise RuntimeError(f"faqkb serve exited with {process.wait()}: {''.join(seen)}")
            found = re.search(r"Listening on http://([\d.]+):(\d+)/", line)
            if found:
                break
        yield Server(found.group(1), int(found.group(2)), process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=STOP_TIMEOUT)
        if process.stdout is not None:
            process.stdout.close()


def vocabulary(kb_dir: Path, limit: int = 5_000) -> list[str]:
    """Words of the knowledge base's documents (what queries are mostly made of)."""
    words: dict[str, None] = {}
    for path in sorted(kb_dir.rglob("*")):
        if path.is_file() and path.suffix in {".txt", ".md", ".html", ".rst"}:
            for word in re.findall(r"[A-Za-z]{2,}", path.read_text("utf-8", "replace")):
                words[word.lower()] = None
                if len(words) >= limit:
                    return list(words)
    return list(words) or ["back", "pain", "running"]


def hostile_query(rng: Random, words: Sequence[str], *, surrogates: bool = True) -> str:
    """A query mixing the knowledge base's words with everything that could break it."""
    roll = rng.random()
    if roll < 0.01:
        return rng.choice(["", " ", "\t\n", "\x00", "\u200b"])
    count = rng.randint(1, 6) if roll < 0.9 else rng.randint(7, 40)
    text = "".join(_token(rng, words, surrogates) + rng.choice(SEPARATORS)
                   for _ in range(count))
    if rng.random() < 0.01:  # the longest queries: repeated up to 12,000 characters
        text = (text or "x") * (rng.randint(1_000, 12_000) // max(1, len(text)) + 1)
        text = text[: rng.randint(1_000, 12_000)]
    return text


def _token(rng: Random, words: Sequence[str], surrogates: bool) -> str:
    roll = rng.random()
    word = rng.choice(words)
    if roll < 0.30:
        return word if rng.random() < 0.8 else word.upper()
    if roll < 0.40:
        return _typo(rng, word)
    if roll < 0.45:
        return word[: rng.randint(4, max(4, len(word)))]  # an abbreviation
    if roll < 0.60:
        return rng.choice(OPERATORS) + (word if rng.random() < 0.3 else "")
    if roll < 0.68:
        return f"{rng.choice(FIELDS)}:{rng.choice(FIELD_VALUES + [word])}"
    if roll < 0.75:
        phrase = " ".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
        return f'"{phrase}"' if rng.random() < 0.7 else f'"{phrase}'
    if roll < 0.78:
        low, high = rng.choice(words), rng.choice(words + ["*"])
        opening, closing = rng.choice("[{"), rng.choice("]}")
        return f"{opening}{low} TO {high}{closing}"
    if roll < 0.83:
        cut = rng.randrange(len(word) + 1)
        return word[:cut] + rng.choice("*?") + word[cut:]
    if roll < 0.95:
        return _odd_text(rng, rng.randint(1, 10), surrogates)
    return str(rng.choice([0, 1, -1, 10**20, 3.14, 1e308]))


def _typo(rng: Random, word: str) -> str:
    if len(word) < 3:
        return word + word
    i = rng.randrange(1, len(word))
    return rng.choice([word[:i] + word[i + 1:], word[:i] + word[i] + word[i:],
                       word[:i - 1] + word[i] + word[i - 1] + word[i + 1:],
                       word[:i] + rng.choice("aeiouxz") + word[i + 1:]])


def _odd_text(rng: Random, length: int, surrogates: bool) -> str:
    ranges = ODD_RANGES + ([SURROGATES] if surrogates else [])
    return "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(length))


@dataclass
class Latencies:
    """Request times in seconds, and the slowest requests with what they asked."""

    keep: int = 10
    times: list[float] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)

    def add(self, seconds: float, what: str) -> None:
        """Record one request."""
        self.times.append(seconds)
        self.add_slow(seconds, what)

    def merge(self, other: Latencies) -> None:
        """Take in another set of recorded requests."""
        self.times.extend(other.times)
        for seconds, what in other.slowest:
            self.add_slow(seconds, what)

    def add_slow(self, seconds: float, what: str) -> None:
        """Consider one request for the slowest list only."""
        if len(self.slowest) < self.keep:
            heapq.heappush(self.slowest, (seconds, what))
        elif seconds > self.slowest[0][0]:
            heapq.heapreplace(self.slowest, (seconds, what))

    def percentile(self, share: float) -> float:
        """The time under which ``share`` of the requests finished."""
        ordered = sorted(self.times)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> str:
        """p50, p95, p99 and max in milliseconds."""
        return "  ".join(f"{name} {self.percentile(share) * 1000:.1f} ms" for name, share in
                         [("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0)])

    def slowest_lines(self) -> list[str]:
        """The slowest requests, slowest first, one line each."""
        return [f"  {seconds * 1000:8.1f} ms  {_shown(what)}"
                for seconds, what in sorted(self.slowest, reverse=True)]


def _shown(what: str, width: int = 100) -> str:
    text = ascii(what)
    return text if len(text) <= width else f"{text[: width - 20]}... ({len(what):,} chars)"
