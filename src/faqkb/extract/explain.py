"""Why extraction read a document as it did, block by block.

:func:`explain` tells, for each block of a document, what it became: the question or
part of the answer of a pair (and why it counts as a question), a claim, a heading, or
nothing, and why (page chrome, a contents list, rhetoric, too short). It also lists
what the reader left out of the document's text as page chrome. ``faqkb extract
--explain`` prints it, so that whoever finds their FAQ misread can see where.
"""

from __future__ import annotations

from dataclasses import dataclass

from faqkb.extract import analyse, presents_itself_as_faq
from faqkb.extract.claims import block_claims, why_no_claim
from faqkb.extract.faqlists import question_reasons
from faqkb.models import Document

__all__ = ["BlockFate", "explain", "explanation_lines"]

_EXCERPT_CHARS = 60


@dataclass(frozen=True, slots=True)
class BlockFate:
    """What became of one block: ``fate`` is ``"question"``, ``"answer"``,
    ``"claim"``, ``"heading"`` or ``"dropped"``; ``why`` says why, and ``pair`` numbers
    the pair (from 1) a question or an answer belongs to (0 for none)."""

    index: int
    kind: str
    text: str
    start: int
    end: int
    fate: str
    why: str
    pair: int = 0


def explain(document: Document) -> list[BlockFate]:
    """The fate of every block of ``document``, in order."""
    extraction = analyse(document)
    kept = extraction.kept
    blocks = [document.blocks[i] for i in kept]
    asked = question_reasons(blocks, presents_itself_as_faq(document))
    roles: dict[int, tuple[str, str, int]] = {}
    for number, pair in enumerate(extraction.pairs, 1):
        title = blocks[pair.block].kind == "title"
        why = "the document's title asks it" if title else asked.get(pair.block, "a question")
        roles[kept[pair.block]] = ("question", why, number)
        answer = pair.answer_blocks or tuple(  # a passage of an article answers its title
            i for i, block in enumerate(blocks)
            if i != pair.block and block.start < pair.end and pair.start < block.end)
        for i in answer:
            roles.setdefault(kept[i], ("answer", f"answers pair {number}", number))
    claims = {kept[i]: made for i, made in extraction.claims.items()}
    fates: list[BlockFate] = []
    for index, block in enumerate(document.blocks):
        if index in extraction.chrome:
            fate, why, number = "dropped", f"page chrome: {extraction.chrome[index]}", 0
        elif index in extraction.copies:
            fate, why, number = "dropped", "a contents list: it repeats what follows", 0
        elif index in roles:
            fate, why, number = roles[index]
            if index in claims:
                why += f"; and {_claims(len(claims[index]))}"
        elif index in claims:
            fate, why, number = "claim", _claims(len(claims[index])), 0
        elif block.kind in {"title", "heading", "question"}:
            fate, why, number = "heading", "names its section", 0
        else:
            said = bool(block_claims(document.text, block))
            why = "said before in the document" if said else why_no_claim(document.text,
                                                                          block)
            fate, number = "dropped", 0
        fates.append(BlockFate(index, block.kind, block.text, block.start, block.end, fate,
                               why, number))
    return fates


def explanation_lines(document: Document) -> list[str]:
    """:func:`explain` as lines of text for people, with what the reader dropped."""
    lines = [f"{document.name}: {len(document.blocks)} blocks"]
    for dropped in document.dropped:
        lines.append(f"  left out by the reader, page chrome ({dropped.reason}): "
                     f"{_excerpt(dropped.text)}")
    for fate in explain(document):
        label = f"{fate.fate} {fate.pair}" if fate.pair else fate.fate
        lines.append(f"  #{fate.index:<4} {fate.kind:<10} {label:<11} {_excerpt(fate.text)}")
        lines.append(f"  {'':5} {'':10} {'':11} ({fate.why})")
    return lines


def _claims(count: int) -> str:
    return "1 claim" if count == 1 else f"{count} claims"


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _EXCERPT_CHARS:
        text = text[: _EXCERPT_CHARS - 1].rstrip() + "…"
    return f'"{text}"'
