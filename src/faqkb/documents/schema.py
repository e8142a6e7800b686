"""schema.org ``FAQPage`` data: the questions and answers a page declares for machines.

A page may describe its FAQ as JSON-LD (``<script type="application/ld+json">`` with
``"@type": "FAQPage"`` and ``mainEntity`` questions, each with an ``acceptedAnswer``)
or as microdata (``itemtype=".../FAQPage"`` around ``.../Question`` items). Either is
taken as the page's own list of its questions: :func:`faq_page_items` reads it, and
:func:`place_faq_items` marks each question where the page shows it (in the page's
words, found by the opening of its answer when the data words it otherwise),
appending those the page does not show after its text, so that every pair has an
exact span.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from bs4 import BeautifulSoup, Tag

from faqkb.documents.htmltext import BELOW_HEADINGS, TextWriter, parse_html
from faqkb.documents.layout import fold
from faqkb.models import Block

_PLACEABLE = frozenset({"heading", "paragraph", "item", "question"})
_ALNUM = re.compile(r"[^\w]+|_")
_MIN_RATIO = 0.8
# A reworded question is found by the opening of its answer: this much of it, and at
# least this much for the opening to say anything.
_ANSWER_KEY_CHARS = 60
_MIN_ANSWER_KEY_CHARS = 20


@dataclass(frozen=True, slots=True)
class FaqItem:
    """One question of a page's ``FAQPage`` data and its accepted answer, as plain text."""

    question: str
    answer: str


def faq_page_items(soup: BeautifulSoup) -> list[FaqItem]:
    """The questions and answers of the page's ``FAQPage`` data (JSON-LD, else microdata)."""
    items = _json_ld(soup) or _microdata(soup)
    unique = {(_key(item.question)): item for item in reversed(items)}
    return [item for item in items if unique.get(_key(item.question)) is item]


def place_faq_items(writer: TextWriter, items: list[FaqItem]) -> None:
    """Mark the block showing each item's question as a ``question`` block.

    A question the page does not show is written after the page's text, with its
    answer, so that the source view shows what the pair was taken from.
    """
    placed: set[int] = set()
    for item in items:
        wanted = _key(item.question)
        index = next((i for i, block in enumerate(writer.blocks)
                      if i not in placed and block.kind in _PLACEABLE
                      and _same(_key(block.text), wanted)), None)
        if index is None:
            index = _asked_above_answer(writer.blocks, item, placed)
        if index is None:
            writer.write_block("question", item.question, level=BELOW_HEADINGS)
            writer.write_block("paragraph", item.answer)
            placed.add(len(writer.blocks) - 2)
            continue
        block = writer.blocks[index]
        level = block.level if block.kind in {"heading", "question"} else BELOW_HEADINGS
        writer.blocks[index] = replace(block, kind="question", level=level)
        placed.add(index)


def _asked_above_answer(blocks: list[Block], item: FaqItem, placed: set[int]) -> int | None:
    """The block the page asks a reworded question in: the one right above the start of
    the question's answer ("What is the longest rental?" for "How long can I rent?")."""
    opening = _key(item.answer)[:_ANSWER_KEY_CHARS]
    if len(opening) < _MIN_ANSWER_KEY_CHARS:
        return None
    for i in range(1, len(blocks)):
        above = blocks[i - 1]
        if i - 1 not in placed and above.kind in _PLACEABLE and above.kind != "paragraph" \
                and _key(blocks[i].text).startswith(opening):
            return i - 1
    return None


def _json_ld(soup: BeautifulSoup) -> list[FaqItem]:
    items: list[FaqItem] = []
    for script in soup.find_all("script"):
        kind = script.get("type")
        if not isinstance(kind, str) or kind.strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.get_text())
        except ValueError:
            continue
        for node in _nodes(data):
            if not _has_type(node, "FAQPage"):
                continue
            for question in _as_list(node.get("mainEntity")):
                item = _json_item(question)
                if item is not None:
                    items.append(item)
    return items


def _json_item(question: Any) -> FaqItem | None:
    if not isinstance(question, dict) or not _has_type(question, "Question"):
        return None
    answers = _as_list(question.get("acceptedAnswer")) or _as_list(
        question.get("suggestedAnswer"))
    texts = [_plain(a.get("text")) for a in answers if isinstance(a, dict)]
    name, answer = _plain(question.get("name")), next((t for t in texts if t), "")
    return FaqItem(name, answer) if name and answer else None


def _microdata(soup: BeautifulSoup) -> list[FaqItem]:
    items: list[FaqItem] = []
    for page in soup.find_all(itemtype=_is_type("FAQPage")):
        for question in page.find_all(itemtype=_is_type("Question")):
            name = question.find(itemprop="name")
            answer = question.find(itemprop="acceptedAnswer")
            text = answer.find(itemprop="text") if isinstance(answer, Tag) else None
            if isinstance(name, Tag) and isinstance(text, Tag):
                item = FaqItem(_item_value(name), _item_value(text))
                if item.question and item.answer:
                    items.append(item)
    return items


def _item_value(tag: Tag) -> str:
    content = tag.get("content")
    return fold(content if isinstance(content, str) else tag.get_text(" "))


def _is_type(name: str) -> Any:
    def matches(value: str | None) -> bool:
        return value is not None and any(v.rstrip("/").endswith("/" + name)
                                         for v in value.split())
    return matches


def _nodes(data: Any) -> Iterator[dict[str, Any]]:
    """Every object in a JSON-LD document, ``@graph`` members and nested ones included."""
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _nodes(value)
    elif isinstance(data, list):
        for value in data:
            yield from _nodes(value)


def _has_type(node: dict[str, Any], name: str) -> bool:
    return any(isinstance(t, str) and t.rsplit("/", 1)[-1].rsplit(":", 1)[-1] == name
               for t in _as_list(node.get("@type")))


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _plain(value: Any) -> str:
    """Plain text of a JSON-LD string, which may hold HTML markup."""
    if not isinstance(value, str):
        return ""
    if "<" in value or "&" in value:
        writer = TextWriter()
        writer.write(parse_html(value))
        value = writer.text
    return fold(value)


def _key(text: str) -> str:
    return _ALNUM.sub("", text.lower())


def _same(found: str, wanted: str) -> bool:
    if not found or not wanted:
        return False
    if found == wanted:
        return True
    shorter, longer = sorted((found, wanted), key=len)
    return shorter in longer and len(shorter) / len(longer) >= _MIN_RATIO
