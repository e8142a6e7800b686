"""What is not knowledge: page chrome, promotion and empty rhetoric.

Two levels:

- :func:`boilerplate_blocks` finds whole blocks that belong to the page rather than
  to the article: breadcrumbs, "Related Video" blurbs (and the video title shown
  above them), author boxes, newsletter sign-ups, share and comment prompts,
  copyright lines, and the questions a site asks about its page ("Found a bug?",
  "Was this page helpful?"). They are never indexed and never end an answer's text.
  Chrome is short: a long paragraph that mentions a newsletter or a privacy policy
  is content, and so is a question a FAQ asks about them.
- :func:`is_rhetoric` judges one sentence: scene-setting addressed to the reader
  ("Picture yourself gliding..."), reassurance ("Don't worry"), sales lines ("I'm
  here to help"), and sentences about the article itself ("In this article, we will
  explore..."). They carry no fact or advice, so they make no claim.

The patterns are phrasings of web copywriting in general, not of any one document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from faqkb.extract.questions import is_question_block
from faqkb.models import Block

_APOS = "['’]"
_MAX_CHROME_WORDS = 30

_BOILERPLATE = re.compile(
    "|".join(
        [
            r"^related (videos?|posts?|articles?|reading|content|stories)\b",
            r"^(watch|video)\s*:",
            r"\bnewsletter\b",
            r"^(sign ?up|subscribe|join (our|the|us)|register now|log ?in)\b",
            r"\beditorial (team|staff|board)\b",
            r"^meet the\b.*\bteam\b",
            r"^about the (author|authors|team)\b",
            r"^(written|posted|published|updated|reviewed|edited) (by|on)\b",
            # "Share this", "Share on Facebook", "3 Comments", "Leave a reply": not "Comments
            # disappear after saving", which is about comments.
            r"^(share( this( page| article| post)?| on( \w+){1,2})?|follow us( on( \w+){1,2})?|"
            r"leave a (comment|reply)|(\d+ )?(comments?|replies)( \(\d+\))?|reply)\W*$",
            r"^(click here|read more|continue reading|advertisement|sponsored|skip to)\b",
            r"\b(exclusive offers|best deals|no spam|unsubscribe)\b",
            r"\ball rights reserved\b|^©|^copyright\b",
            r"\b(privacy policy|terms of (use|service)|cookie (policy|settings))\b",
            r"^home\s*[>/»|›]",
        ]
    ),
    re.IGNORECASE,
)

_RHETORIC = re.compile(
    "|".join(
        [
            r"^(just )?(imagine|envision|visuali[sz]e)\b",
            r"^picture (yourself|this|the|a)\b",
            rf"\b(don{_APOS}t|do not) worry\b",
            r"\bfear not\b",
            rf"\byou{_APOS}?(re| are) not alone\b",
            rf"\b(i{_APOS}m|i am|we{_APOS}re|we are) (always )?here to help\b",
            rf"\blet{_APOS}s (get started|dive|begin|explore|take a|get into|jump)\b",
            r"^(in|throughout) this (article|post|guide|blog|piece|video|section)\b",
            r"^this (article|post|guide|blog|video) (will|explores|covers|discusses|looks)\b",
            rf"\bwe{_APOS}ll (also )?(explore|delve|discuss|cover|look|provide|walk|show|dive)\b",
            r"\bwe will (also )?(explore|delve|discuss|cover|look|provide|walk|show|dive)\b",
            r"\bhope is not lost\b",
            r"^together,? we\b",
            rf"\b(don{_APOS}t|do not) let\b.*\bhold you back\b",
            r"\b(stay tuned|read on|keep reading|look no further|got you covered)\b",
            r"\b(sign up|subscribe|click here)\b",
            r"\bthe real question (is|isn)\b",
        ]
    ),
    re.IGNORECASE,
)

# A copyright notice: the word and a year, in either order.
_COPYRIGHT = re.compile(r"(?i)\b(?:copyright|\(c\))\b.{0,60}\b(?:19|20)\d\d\b"
                        r"|\b(?:19|20)\d\d\b.{0,20}\bcopyright\b")

# What a site asks about its own page, around any content.
_PAGE_QUESTION = re.compile(
    "|".join(
        [
            r"^(found|spotted) an? (bug|typo|mistake|problem|error)\b.{0,30}$",
            r"^(was|is|did) this (page|article|answer|post|information|content|section) "
            r"(helpful|useful|help)\b.{0,30}$",
            r"^did (this|we) (answer|solve|help)\b.{0,40}$",
            r"^(still )?(have|got) (more|other|further|any other|additional) questions\b.{0,40}$",
            r"^still have (a )?questions?\b.{0,40}$",
            r"^need (more |any )?help\W*$",
            rf"^can{_APOS}?t find (what you|the answer|an answer)\b.{{0,40}}$",
            r"^(report|suggest) an? (issue|problem|bug|edit|change|correction)\b.{0,30}$",
            r"^(edit|improve) this (page|article)\b.{0,30}$",
            # Calls to action put as questions: "Ready to ship your cargo worldwide?"
            r"^(are you )?ready (to|for)\b.{0,60}\?$",
            r"^(want|looking) (to (learn|know|find out|see) more|for more)\b.{0,40}\?$",
        ]
    ),
    re.IGNORECASE,
)

# Questions put to the reader to draw them in ("Are you a gardener struggling with...?").
_READER_QUESTION = re.compile(r"^(are|do|have|did|were|ever) you\b.*\?$", re.IGNORECASE)

# A scene told to the reader about their own past ("You've had to cancel plans...",
# "Gardening was more than a hobby to you") with no advice in it.
_SECOND_PERSON = re.compile(rf"\b(you|your|you{_APOS}ve|you{_APOS}re|yourself)\b", re.IGNORECASE)
_PAST_SCENE = re.compile(
    rf"\b(has|have|{_APOS}ve) (been|had|become|\w+ed)\b|\b(was|were|once|used to)\b", re.IGNORECASE
)
_ADVICE = re.compile(
    r"\b(if|when|can|could|should|may|might|must|need|try|avoid|consult|consider|helps?)\b",
    re.IGNORECASE,
)

_LEAD_IN = re.compile(r"^(here (are|is)|here[’']s|below (are|is)|the following)\b", re.IGNORECASE)


def boilerplate_blocks(blocks: Sequence[Block]) -> dict[int, str]:
    """The blocks that are page chrome or promotion, not content, by index, each with
    what gave it away ("a breadcrumb", "a question about the page itself")."""
    found: dict[int, str] = {}
    for i, block in enumerate(blocks):
        reason = "a breadcrumb" if block.kind == "nav" else _chrome_reason(block)
        if reason:
            found[i] = reason
    for i in sorted(found):
        # A video's title shown above its "Related Video: <title>" line.
        if i > 0 and blocks[i].text.lower().startswith(("related video", "watch", "video")):
            above = blocks[i - 1]
            if above.kind in {"heading", "paragraph"} and above.text in blocks[i].text:
                found.setdefault(i - 1, "the title of the video below it")
    return found


def _chrome_reason(block: Block) -> str:
    if block.kind == "code" or len(block.text.split()) > _MAX_CHROME_WORDS:
        return ""
    if _PAGE_QUESTION.search(block.text):
        return "a question about the page itself"
    if is_question_block(block):
        return ""
    match = _BOILERPLATE.search(block.text) or _COPYRIGHT.search(block.text)
    return f'page matter ("{match.group().strip()}")' if match else ""


def is_boilerplate(text: str) -> bool:
    """True when a line of text is page chrome or promotion."""
    return bool(_BOILERPLATE.search(text))


def is_rhetoric(sentence: str) -> bool:
    """True when a sentence carries no fact or advice: scene-setting, reassurance, sales."""
    if _RHETORIC.search(sentence) or _READER_QUESTION.match(sentence):
        return True
    return bool(
        _SECOND_PERSON.search(sentence)
        and _PAST_SCENE.search(sentence)
        and not _ADVICE.search(sentence)
    )


def is_lead_in(sentence: str) -> bool:
    """True for a sentence that only announces what follows ("Here are three tips:")."""
    return sentence.endswith(":") or bool(_LEAD_IN.match(sentence))
