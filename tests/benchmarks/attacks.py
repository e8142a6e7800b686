"""The attacks of issue 11, shared by fuzz.py and load.py.

- :func:`attack_kb`: a knowledge base of hundreds of small documents (``d000.txt``...,
  so that a ``source=d`` filter matches them all) beside a secret file outside it whose
  marker must never be served.
- :class:`SymlinkSwapper`: swaps one indexed document for a link to the secret and
  back, again and again, while requests run.
- :func:`attack_target` and :func:`attack_request`: what an attacking connection sends:
  the swapped document's page and JSON, searches for the secret's words, source
  filters by prefix, and odd ``Host`` headers, over a raw socket.
- :func:`deep_documents`: HTML nested 10,000 lists and 100,000 ``<div>`` s deep.
- :func:`descendants` and :func:`orphans_after_kill`: the processes a command started,
  and which of them outlive it after a SIGKILL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from random import Random
from urllib.parse import quote

MARKER = "OUTSIDEKB7F3A9C"  # in the secret file only: searched for
LEAK = "LEAKEDQ2W8"  # beside it, never sent: a response holding it served the secret
SECRET = f"What is the secret?\n\nThe secret word is {MARKER} {LEAK}, kept outside.\n"
ODD_HOSTS = ["..", "a" * 64, "x" * 64 + ".example", "xn--zz", "xn--zz:8000", "a..b", ".",
             "[::1", "[nope]:80", "host:99999", "-", "h\u00e9.example", "<script>",
             "x" * 300, "", "a b", "127.0.0.1:80:80", "xn--", "xn--a.xn--b"]
PREFIXES = ["d", "d0", "d1", "d00", "d0", "", "d" * 3, "x", "."]
EXPECTED = {200, 400, 404, 414, 431}
SOCKET_TIMEOUT = 30.0
_TOPICS = ["invoice", "parcel", "password", "printer", "refund", "warranty", "tracking",
           "account", "delivery", "battery", "update", "licence", "export", "backup"]


@dataclass(frozen=True, slots=True)
class AttackKb:
    """A knowledge base to attack, and what must never come out of it."""

    folder: Path
    secret: Path
    victim: str  # the document swapped for a link to the secret


def _document(i: int, rng: Random) -> str:
    topic, other = rng.sample(_TOPICS, 2)
    lines = [f"Notes on {topic} number {i}", ""]
    for n in range(rng.randint(2, 6)):
        lines += [f"How do I change the {topic} setting {n} of unit {i}?", "",
                  f"Open the {other} page and choose {topic} {n}. The change applies to "
                  f"unit {i} at once.", ""]
    return "\n".join(lines)


def attack_kb(root: Path, base: Path | None, documents: int, seed: int = 1) -> AttackKb:
    """Write ``documents`` small documents (and a copy of ``base``) under ``root``/kb."""
    folder = root / "kb"
    if base is not None:
        shutil.copytree(base, folder, symlinks=False)
    folder.mkdir(parents=True, exist_ok=True)
    rng = Random(seed)
    for i in range(documents):
        (folder / f"d{i:03d}.txt").write_text(_document(i, rng), encoding="utf-8")
    secret = root / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    return AttackKb(folder, secret, "d000.txt")


def big_kb(root: Path, megabytes: float, seed: int = 1) -> Path:
    """A kb/ of about ``megabytes`` of small documents: large enough for a parallel build."""
    folder = root / "big"
    folder.mkdir(parents=True, exist_ok=True)
    rng = Random(seed)
    size, i = 0, 0
    while size < megabytes * 2**20:
        text = _document(i, rng) * 8
        (folder / f"b{i:05d}.txt").write_text(text, encoding="utf-8")
        size += len(text)
        i += 1
    return folder


class SymlinkSwapper(threading.Thread):
    """Replace the victim by a link to the secret and back, every ``period`` seconds."""

    def __init__(self, target: AttackKb, period: float = 0.2) -> None:
        super().__init__(daemon=True, name="symlink-swapper")
        self.target = target
        self.period = period
        self.stop = threading.Event()
        self.swaps = 0

    def run(self) -> None:
        victim = self.target.folder / self.target.victim
        original = victim.read_bytes()
        link, regular = victim.with_name(".swap-link"), victim.with_name(".swap-file")
        try:
            while not self.stop.is_set():
                link.unlink(missing_ok=True)
                link.symlink_to(self.target.secret)
                os.replace(link, victim)  # atomic: the name is a file or a link, never gone
                self.swaps += 1
                self.stop.wait(self.period)
                regular.write_bytes(original)
                os.replace(regular, victim)
                self.stop.wait(self.period)
        finally:
            regular.write_bytes(original)
            os.replace(regular, victim)


def attack_target(rng: Random, victim: str) -> tuple[str, str | None]:
    """An attacking request: (target, Host header or None for the server's own)."""
    roll = rng.random()
    if roll < 0.30:
        return f"/sources/{quote(victim)}" + rng.choice(["", ".json", "?entry=x"]), None
    if roll < 0.45:
        query = rng.choice([MARKER, "what is the secret", "secret word kept outside",
                            MARKER.lower()[:8]])
        path = rng.choice(["/search.json", "/search", "/suggest.json"])
        return f"{path}?q={quote(query)}" + ("&results=5" if "suggest" in path else ""), None
    if roll < 0.75:
        query = rng.choice(["zzz", "how do i change", "unit", "refund parcel", "zzzz qqqq",
                            "setting 3", '"the change applies"', "a", "-unit open"])
        return (f"/search.json?q={quote(query)}&source={quote(rng.choice(PREFIXES))}"
                + rng.choice(["", "&kind=qa", "&kind=claim", "&page=2"])), None
    path = rng.choice(["/", "/search?q=unit", "/search.json?q=unit", "/sources.json",
                       "//search", "/entries/x", "/nope", "/static/style.css"])
    return path, rng.choice(ODD_HOSTS)


@dataclass(frozen=True, slots=True)
class RawAnswer:
    """What a request over a raw socket got back (status 0: no answer)."""

    status: int
    body: bytes
    seconds: float


def attack_request(host: str, port: int, target: str, host_header: str | None) -> RawAnswer:
    """Send one GET as it is, with ``host_header`` as the Host (UTF-8 bytes)."""
    header = (host_header if host_header is not None else f"{host}:{port}").encode()
    request = (b"GET " + target.encode("utf-8", "surrogatepass") + b" HTTP/1.1\r\nHost: "
               + header + b"\r\nConnection: close\r\n\r\n")
    started = time.perf_counter()
    received = b""
    try:
        with socket.create_connection((host, port), timeout=SOCKET_TIMEOUT) as sock:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                received += chunk
    except OSError:
        return RawAnswer(0, received, time.perf_counter() - started)
    head, _, body = received.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return RawAnswer(status, body, time.perf_counter() - started)


def deep_documents() -> dict[str, str]:
    """HTML documents nested far beyond any real page."""
    lists = "<ul><li>level" * 10_000 + "deepest" + "</li></ul>" * 10_000
    divs = "<div>" * 100_000 + "<p>The innermost paragraph holds a sentence.</p>" + \
        "</div>" * 100_000
    return {"deep-lists.html": f"<html><body><main><h1>Deep lists</h1>{lists}</main></body></html>",
            "deep-divs.html": f"<html><body><main><h1>Deep divs</h1>{divs}</main></body></html>"}


def timed_build(kb_dir: Path, index_dir: Path, timeout: float) -> tuple[float, float, str]:
    """Run ``faqkb build`` once: wall seconds, CPU seconds of the child, and its outcome."""
    before = os.times()
    started = time.perf_counter()
    command = [sys.executable, "-m", "faqkb", "build", "--force", "--kb", str(kb_dir),
               "--index-dir", str(index_dir)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        outcome = (result.stdout + result.stderr).strip().splitlines()
        said = " | ".join(line[:140] for line in outcome if line)
    except subprocess.TimeoutExpired:
        said = f"did not finish in {timeout:.0f} s"
    after = os.times()
    cpu = (after.children_user - before.children_user) + \
        (after.children_system - before.children_system)
    return time.perf_counter() - started, cpu, said


def descendants(pid: int) -> set[int]:
    """Every living process descended from ``pid`` (read from /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def orphans_after_kill(command: list[str], ready: Callable[[set[int]], bool],
                       settle: float, start_timeout: float = 120.0) -> tuple[int, int]:
    """Start ``command``, wait until ``ready(its descendants)``, SIGKILL it alone, and
    after ``settle`` seconds count its descendants still alive: (left alive, there were).
    Survivors are then killed, so that a failed run leaves nothing behind."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + start_timeout
    family: set[int] = set()
    while time.monotonic() < deadline and process.poll() is None:
        family = descendants(process.pid)
        if ready(family):
            break
        time.sleep(0.05)
    family = descendants(process.pid)
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(settle)
    left = {pid for pid in family if alive(pid)}
    for pid in left:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(left), len(family)
