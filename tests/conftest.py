"""Shared fixtures: a small made-up knowledge base in ``tmp_path``, the bundled ``kb/``,
a KnowledgeBase on each, and a CLI runner. No test touches the user's real cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from faqkb import KnowledgeBase

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KB = ROOT / "kb"

CLINIC_FAQ = """\
Stretching Clinic FAQ

What should I wear to my first session?

Wear loose clothing that lets you move freely. Bring a water bottle and a towel.

How long does a session last?

A standard session lasts fifty minutes, including a short warm-up.

Do I need a referral from my doctor?

No referral is needed for a first visit. Your insurer may still ask for one before it pays.
"""

HAMSTRING_ARTICLE = """\
Why Do Hamstrings Get Tight

Tight hamstrings are common in people who sit for most of the day. Sitting keeps the \
muscles shortened for hours.

Gentle Stretches

  • Standing toe reach: Stand tall and reach toward your toes without bouncing. Hold for \
twenty seconds.
  • Doorway stretch: Lie on your back in a doorway and rest one leg up the wall.

In conclusion, daily gentle stretching and less sitting keep hamstrings supple.

Join Our Newsletter

Signup to get the latest news, best deals and exclusive offers. No spam.
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every index of every test out of the user's cache."""
    monkeypatch.setenv("FAQKB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FAQKB_INDEX_DIR", raising=False)
    monkeypatch.delenv("FAQKB_KB_DIR", raising=False)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A knowledge-base folder with two small made-up documents."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "clinic-faq.txt").write_text(CLINIC_FAQ, encoding="utf-8")
    (folder / "hamstrings.txt").write_text(HAMSTRING_ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture
def kb(kb_dir: Path, tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A KnowledgeBase over ``kb_dir`` that checks for changes on every search."""
    base = KnowledgeBase(kb_dir, tmp_path / "index", check_interval=0)
    yield base
    base.close()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index of the bundled kb/, built once for the whole session."""
    return tmp_path_factory.mktemp("seed-index")


@pytest.fixture
def seeds(seed_index: Path) -> Iterator[KnowledgeBase]:
    """A KnowledgeBase over the bundled kb/ (the five source documents)."""
    base = KnowledgeBase(BUNDLED_KB, seed_index)
    yield base
    base.close()


@pytest.fixture
def runner() -> CliRunner:
    """A CLI runner."""
    return CliRunner()
