"""How a FAQ list is laid out: which blocks ask its questions, and which only list them.

- :func:`asked_blocks` finds the blocks that ask a question. When a document marks its
  questions itself (``Q:`` lines, schema.org ``FAQPage`` data), those are its
  questions and no others. Otherwise a block asks when it reads as a question
  (:mod:`.questions`), and in a FAQ list (headings of one level, at least half of
  them questions) a statement stands in a question's place too: "4. The installer
  stops halfway." is the entry for that problem. Under a FAQ numbering any sentence
  counts; unnumbered, only one that ends like a sentence (a topic never does). In a
  document that calls itself a FAQ (its title or a heading says so), one question
  is enough to make a list of entries a FAQ list.
- :func:`contents_copies` finds a contents list: a list (or a run of lines) that
  repeats the questions and headings further down. It is navigation; the questions
  count once, where they are answered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from faqkb.documents.markers import number_length, question_marker_length
from faqkb.extract.questions import is_question_block
from faqkb.models import Block

# A FAQ list: at least this many headings of one level, and at least this share of
# them questions.
MIN_FAQ_ENTRIES = 3
MIN_QUESTION_SHARE = 0.5
# A contents list: at least this many lines repeat what follows, and in a list, at
# least this share of its items do (an entry may be worded a little differently).
MIN_CONTENTS_LINES = 2
MIN_CONTENTS_SHARE = 0.5
_MIN_STATEMENT_WORDS = 3
_MIN_LEAD_IN_WORDS = 4
_FAQ = re.compile(r"(?i)\bfaqs?\b|frequently asked questions|questions and answers|\bq ?& ?a\b")
# What makes a heading a clause rather than a noun phrase: a person or a finite verb.
_CLAUSE = re.compile(
    r"(?i)(?<![\w-])(?:i|i['’]m|i['’]ve|my|we|our|you|your|is|are|was|were|isn['’]t|aren['’]t|"
    r"does|doesn['’]t|do|don['’]t|did|didn['’]t|can['’]t|cannot|won['’]t|will|has|have|"
    r"had|fails?|returns?|crash(?:es)?|dies|works?|stops?|hangs?)(?![\w'’-])"
)
_WORDS = re.compile(r"\w+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_LISTING = frozenset({"item", "paragraph", "heading", "question", "row"})


def asked_blocks(blocks: Sequence[Block]) -> set[int]:
    """Indices of the blocks that ask the document's questions."""
    declared = {i for i, block in enumerate(blocks) if block.kind == "question"}
    if declared:
        return declared
    asked = {i for i, block in enumerate(blocks) if is_question_block(block)}
    asked -= _asked_in_answers(blocks, asked)
    return asked | _statements(blocks, asked)


def contents_copies(blocks: Sequence[Block]) -> set[int]:
    """Indices of the lines of contents lists: lists and runs of lines that repeat the
    questions and headings further down."""
    asked = asked_blocks(blocks)
    last_seen: dict[str, int] = {}
    for i, block in enumerate(blocks):
        if i in asked or block.kind in {"heading", "title"}:
            last_seen[question_key(block.text)] = i

    def repeats(i: int) -> bool:
        return last_seen.get(question_key(blocks[i].text), -1) > i

    copies: set[int] = set()
    for group in _lists(blocks):
        listed = [i for i in group if repeats(i)]
        if len(listed) >= MIN_CONTENTS_LINES and len(listed) >= MIN_CONTENTS_SHARE * len(group):
            copies.update(group)
            # ...and its own heading ("Table of Contents"), which heads no section.
            above = group[0] - 1
            if above >= 0 and blocks[above].kind == "heading" and above not in asked:
                copies.add(above)
    run: list[int] = []
    for i, block in enumerate(blocks):
        if block.kind in _LISTING and repeats(i):
            run.append(i)
        elif block.kind == "heading" and i not in asked:
            continue  # a topic heading inside a grouped contents list
        else:
            copies.update(run if len(run) >= MIN_CONTENTS_LINES else ())
            run = []
    copies.update(run if len(run) >= MIN_CONTENTS_LINES else ())
    return copies


def _asked_in_answers(blocks: Sequence[Block], asked: set[int]) -> set[int]:
    """Lines of prose that ask inside the answer to a question heading ("Have you seen
    the error above?"): the answer goes on."""
    inside: set[int] = set()
    level: int | None = None  # the level of the question heading being answered
    answered = False
    for i, block in enumerate(blocks):
        if block.kind in {"heading", "title", "question"}:
            if level is None or block.level <= level:
                level = block.level if i in asked else None
                answered = False
        elif block.kind == "paragraph" and i in asked and level is not None and answered:
            inside.add(i)
        else:
            answered = True
    return inside


def question_key(text: str) -> str:
    """A question's words alone: no numbering, marker, case or punctuation."""
    text = text.strip()
    text = text[number_length(text) :]
    text = text[question_marker_length(text) :]
    return _NOT_ALNUM.sub("", text.lower())


def _lists(blocks: Sequence[Block]) -> list[list[int]]:
    """Runs of consecutive list items."""
    groups: list[list[int]] = []
    for i, block in enumerate(blocks):
        if block.kind != "item":
            continue
        if groups and groups[-1][-1] == i - 1:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _statements(blocks: Sequence[Block], asked: set[int]) -> set[int]:
    """Headings that state a problem where the FAQ list they stand in asks questions."""
    lists: dict[tuple[int, bool], list[int]] = {}
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            lists.setdefault((block.level, block.numbered), []).append(i)
    share = 0.0 if _calls_itself_a_faq(blocks) else MIN_QUESTION_SHARE
    statements: set[int] = set()
    for (_, numbered), entries in lists.items():
        questions = sum(1 for i in entries if i in asked)
        if len(entries) >= MIN_FAQ_ENTRIES and questions and questions >= share * len(entries):
            statements.update(i for i in entries if _is_statement(blocks[i].text, numbered))
    return statements


def _calls_itself_a_faq(blocks: Sequence[Block]) -> bool:
    return any(block.kind in {"title", "heading"} and _FAQ.search(block.text) for block in blocks)


def _is_statement(text: str, numbered: bool) -> bool:
    """True for a sentence ("I found a bug.", "My program dies like this:"), not a topic
    ("Installation", "Known limitations of older versions")."""
    words = len(_WORDS.findall(text))
    if text.endswith((".", "!")) or (text.endswith(":") and words >= _MIN_LEAD_IN_WORDS):
        return True
    return numbered and words >= _MIN_STATEMENT_WORDS and bool(_CLAUSE.search(text))
