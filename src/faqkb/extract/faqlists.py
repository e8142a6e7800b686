"""How a FAQ list is laid out: which blocks ask its questions, and which only list them.

- :func:`asked_blocks` finds the blocks that ask a question (:func:`question_reasons`
  says why each does). When a document marks its questions itself (``Q:`` lines,
  schema.org ``FAQPage`` data), those are its questions, with the question headings
  of their level beside them (a page's data may leave one out). Otherwise a block
  asks when it reads as a question (:mod:`.questions`); a bulleted question over
  paragraphs asks; the block above an answer labelled "Answer:" or "A:" is an entry.
  In a list of headings the document presents as a FAQ (by its title or name, a
  heading above the list, or a "FAQ" heading before a flat one), every heading with
  an answer of its own is an entry once a third of them ask ("Registration", "Rclone
  gives an error"); in other lists of mostly questions, a statement in a sentence's
  form is one ("4. The installer stops halfway.").
- :func:`contents_copies` finds a contents list: a list (or a run of lines) that
  repeats the questions and headings further down. It is navigation; the questions
  count once, where they are answered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from faqkb.documents.markers import number_length, question_marker_length
from faqkb.extract.questions import is_question, is_question_block
from faqkb.models import Block

# A FAQ list: at least this many headings of one level, and at least this share of
# them questions.
MIN_FAQ_ENTRIES = 3
MIN_QUESTION_SHARE = 0.5
# In a list the document presents as its FAQ, a third of questions is enough.
MIN_PRESENTED_SHARE = 1 / 3
# A contents list: at least this many lines repeat what follows, and in a list, at
# least this share of its items do (an entry may be worded a little differently).
MIN_CONTENTS_LINES = 2
MIN_CONTENTS_SHARE = 0.5
_MIN_STATEMENT_WORDS = 3
_MIN_LEAD_IN_WORDS = 4
FAQ = re.compile(r"(?i)\bfaqs?\b|frequently asked questions|questions and answers|\bq ?& ?a\b")
# What makes a heading a clause rather than a noun phrase: a person or a finite verb.
_CLAUSE = re.compile(
    r"(?i)(?<![\w-])(?:i|i['’]m|i['’]ve|my|we|our|you|your|is|are|was|were|isn['’]t|aren['’]t|"
    r"does|doesn['’]t|do|don['’]t|did|didn['’]t|can['’]t|cannot|won['’]t|will|has|have|"
    r"had|fails?|returns?|crash(?:es)?|dies|works?|stops?|hangs?)(?![\w'’-])"
)
_WORDS = re.compile(r"\w+")
_NOT_ALNUM = re.compile(r"[\W_]+")
_LISTING = frozenset({"item", "paragraph", "heading", "question", "row"})
_ANSWERING = frozenset({"paragraph", "item", "row", "header_row", "code"})
# "Answer:", "A:" (not "A." alone: "A. Smith wrote ...").
_ANSWER_LABEL = re.compile(r"(?:A|Ans|Answer|ANSWER)\s*\d{0,3}\s*[:：]\s*(?=\S)"
                           r"|(?:Answer|ANSWER)\s*[.—–-]\s*(?=\S)")


def asked_blocks(blocks: Sequence[Block], faq: bool = False) -> set[int]:
    """Indices of the blocks that ask the document's questions; ``faq`` says that the
    document presents itself as a FAQ (its title or its name says so)."""
    return set(question_reasons(blocks, faq))


def question_reasons(blocks: Sequence[Block], faq: bool = False) -> dict[int, str]:
    """The blocks that ask the document's questions, by index, each with why."""
    declared = {i: "marked as a question by the document" for i, block in enumerate(blocks)
                if block.kind == "question"}
    if declared:
        # ...and the questions the page asks beside them, as headings of their level,
        # which a page's FAQ data may leave out.
        levels = {blocks[i].level for i in declared}
        declared.update({i: "asks a question beside those the document marks"
                         for i, block in enumerate(blocks)
                         if block.kind == "heading" and block.level in levels
                         and is_question_block(block)})
        return declared
    reasons = {i: "asks a question" for i, block in enumerate(blocks)
               if is_question_block(block)}
    reasons.update(dict.fromkeys(_lone_item_questions(blocks), "a bulleted question"))
    for i in _asked_in_answers(blocks, set(reasons)):
        del reasons[i]
    # An answer's label is the document's own word: the block above it is an entry.
    reasons.update(dict.fromkeys(_labelled_answers(blocks), 'its answer opens with "Answer:"'))
    for i, why in _statements(blocks, set(reasons), faq).items():
        reasons.setdefault(i, why)
    return reasons


def contents_copies(blocks: Sequence[Block], faq: bool = False) -> set[int]:
    """Indices of the lines of contents lists: lists and runs of lines that repeat the
    questions and headings further down."""
    asked = asked_blocks(blocks, faq)
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


def answer_label_length(text: str) -> int:
    """Length of an answer's own label ("Answer:", "A:") opening ``text``, or 0."""
    match = _ANSWER_LABEL.match(text)
    return match.end() if match else 0


def _labelled_answers(blocks: Sequence[Block]) -> set[int]:
    """The blocks over an answer that opens with its label ("Answer: ..."): that label
    says the block before it is the entry, whatever its form."""
    entries: set[int] = set()
    for i in range(1, len(blocks)):
        above = blocks[i - 1]
        if blocks[i].kind in _ANSWERING and answer_label_length(blocks[i].text) \
                and above.kind in _LISTING and not answer_label_length(above.text):
            entries.add(i - 1)
    return entries


def _lone_item_questions(blocks: Sequence[Block]) -> set[int]:
    """Bulleted questions standing alone over their answers ("* How do I ...?" and then
    paragraphs): a bulleted item that asks, with prose after it, and not the last of a
    list of questions (a contents list). A numbered item that asks is a step."""
    lone: set[int] = set()
    for i, block in enumerate(blocks):
        if block.kind != "item" or block.numbered or i + 1 >= len(blocks) \
                or not is_question(block.text):
            continue
        before = blocks[i - 1] if i > 0 else None
        listed = before is not None and before.kind == "item" and is_question(before.text)
        if not listed and blocks[i + 1].kind in {"paragraph", "code"}:
            lone.add(i)
    return lone


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


def _statements(blocks: Sequence[Block], asked: set[int], faq: bool) -> dict[int, str]:
    """Headings that stand in a question's place in the FAQ list they are part of."""
    statements: dict[int, str] = {}
    for run, presented in _entry_lists(blocks, faq):
        # Only headings over text of their own can be entries; a topic over questions
        # is not one, nor does it count among them.
        run = [i for i in run if _heads_an_answer(blocks, i, asked)]
        questions = sum(1 for i in run if i in asked)
        if len(run) < MIN_FAQ_ENTRIES or not questions:
            continue
        if presented and questions >= MIN_PRESENTED_SHARE * len(run):
            # A FAQ says what its entries are: every heading of the list is one, whatever
            # its form ("Registration", "Deleting a broken build", "Rclone gives an error").
            statements.update(dict.fromkeys(
                run, f"an entry of a FAQ list ({questions} of its {len(run)} entries ask)"))
        elif questions >= MIN_QUESTION_SHARE * len(run):
            statements.update(dict.fromkeys(
                (i for i in run if _is_statement(blocks[i].text, blocks[i].numbered)),
                f"a statement among questions ({questions} of {len(run)} entries ask)"))
    return statements


def _entry_lists(blocks: Sequence[Block], faq: bool) -> list[tuple[list[int], bool]]:
    """The headings of each level (numbered or not), across the document's sections,
    in two lists: those presented as a FAQ (by the document, by a heading above them,
    or by a heading of their own level before them: "Frequently Asked Questions" over
    a flat list) and the others."""
    lists: dict[tuple[int, bool, bool], list[int]] = {}
    ancestors: list[tuple[int, bool]] = []  # (level, presents a FAQ)
    announced: set[int] = set()  # levels where a heading announced a FAQ
    for i, block in enumerate(blocks):
        if block.kind not in {"heading", "title"}:
            continue
        level = 0 if block.kind == "title" else block.level
        while ancestors and ancestors[-1][0] >= level:
            ancestors.pop()
        announced = {depth for depth in announced if depth <= level}
        says_faq = bool(FAQ.search(block.text)) and not is_question_block(block)
        if says_faq:
            announced.add(level)
        elif block.kind == "heading":
            presented = faq or level in announced or any(a[1] for a in ancestors)
            lists.setdefault((level, block.numbered, presented), []).append(i)
        ancestors.append((level, says_faq))
    return [(entries, key[2]) for key, entries in lists.items()]


def _heads_an_answer(blocks: Sequence[Block], index: int, asked: set[int]) -> bool:
    """True for a heading with text of its own under it before the next heading of its
    level, and no questions under it (a heading over questions is their topic)."""
    level = blocks[index].level
    content = False
    for i in range(index + 1, len(blocks)):
        block = blocks[i]
        if block.kind in {"heading", "title"} and block.level <= level:
            break
        if i in asked or block.kind == "question":
            return False
        content = content or block.kind in _ANSWERING
    return content and not FAQ.search(blocks[index].text)


def _is_statement(text: str, numbered: bool) -> bool:
    """True for a sentence ("I found a bug.", "My program dies like this:"), not a topic
    ("Installation", "Known limitations of older versions")."""
    words = len(_WORDS.findall(text))
    if text.endswith((".", "!")) or (text.endswith(":") and words >= _MIN_LEAD_IN_WORDS):
        return True
    return numbered and words >= _MIN_STATEMENT_WORDS and bool(_CLAUSE.search(text))
