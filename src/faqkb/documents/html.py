"""Reading an HTML page: its visible text and blocks, without the page around the content.

:func:`read_html` decodes the bytes (honouring ``<meta charset>`` and ``http-equiv``
declarations), parses them with BeautifulSoup and lxml, and:

1. reads the page's schema.org ``FAQPage`` data, if any (:mod:`.schema`);
2. drops what a browser does not show (``<head>``, scripts, styles, templates, form
   controls, embedded media);
3. keeps to the main content (``<main>``, ``role="main"``, a lone ``<article>``) and
   drops the page chrome inside it: navigation, menus, sidebars, breadcrumbs,
   footers, share and cookie boxes, skip links, by tag or ARIA role, or by class or id
   when the element also looks like chrome (mostly links and buttons), and says what
   it dropped;
4. writes the visible text and its blocks (:mod:`.htmltext`) and marks the
   ``FAQPage`` questions.

Document text is what a browser shows, laid out as readable plain text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bs4 import BeautifulSoup, Tag
from bs4.dammit import EncodingDetector

from faqkb.documents.encoding import decode_bytes
from faqkb.documents.htmltext import TextWriter, parse_html
from faqkb.documents.layout import Layout, fold, mark_questions
from faqkb.documents.nesting import check_markup_depth
from faqkb.documents.schema import faq_page_items, place_faq_items
from faqkb.models import Block, Dropped

_INVISIBLE = ["head", "script", "style", "noscript", "template", "iframe", "object",
              "embed", "svg", "canvas", "video", "audio", "map", "input", "select",
              "textarea", "option", "datalist"]
_CHROME_TAGS = frozenset({"nav", "footer", "form", "dialog"})
_CONTROLS = ["a", "button"]
# A named element is chrome when this share of its words are links or buttons...
_MIN_LINK_SHARE = 0.5
# ...or when it is a widget: a link or a button and at most this many words in all.
_MAX_WIDGET_WORDS = 12
# ...or a label of a few words that says nothing ("Share", "Menu", "Links").
_MAX_LABEL_WORDS = 3
_CHROME_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search",
                           "menu", "menubar", "toolbar", "dialog", "alertdialog"})
# Words that name page chrome in class and id attributes ("site-footer", "nav-menu")...
_CHROME_WORDS = frozenset({
    "menu", "menubar", "breadcrumbs", "related", "share", "sharing", "social", "consent",
    "skip", "toc", "pagination", "pager", "advert", "advertisement", "ads", "newsletter",
    "subscribe", "comments", "masthead", "topbar", "toolbar", "feedback", "rating", "modal",
    "popup",
})
# ...and the same words run into others ("sphinxsidebar", "sitefooter", "navheader").
_CHROME_STEMS = ("sidebar", "breadcrumb", "footer", "cookie", "headerlink", "skiplink")
_NAV = re.compile(r"^nav(?:bar|igation|menu|links?|list|header|footer|panel|wrapper)?$|\wnav$")
# Text for screen readers only ("opens in a new window"): not on the screen.
_SCREEN_READER_ONLY = frozenset({"sr-only", "visually-hidden", "visuallyhidden",
                                 "screen-reader-text", "screenreader-text"})
_TOKENS = re.compile(r"[a-z0-9]+")
_SECTIONING = ["article", "main", "section"]
_HEADING_TAGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
# A wrapper holding most of the content is not chrome, whatever its class says.
_MAX_CHROME_SHARE = 0.5
_MIN_ROOT_SHARE = 0.25


def read_html(raw: bytes) -> Layout:
    """Decode and lay out an HTML page. Raises :class:`~faqkb.errors.DocumentError`
    when the bytes cannot be decoded."""
    declared = EncodingDetector.find_declared_encoding(raw, is_html=True)
    text, encoding = decode_bytes(raw, declared)
    return layout_html(text, encoding)


def layout_html(markup: str, encoding: str = "utf-8") -> Layout:
    """The visible text and blocks of an HTML page given as text. Raises
    :class:`~faqkb.errors.DocumentError` for markup nested beyond reason."""
    check_markup_depth(markup)
    soup = parse_html(markup)
    items = faq_page_items(soup)
    page_title = soup.title.get_text() if soup.title else ""
    for tag in soup.find_all(_INVISIBLE):
        if not tag.decomposed:
            tag.decompose()
    root = _content_root(soup)
    whole_page = root.name in {"body", "[document]"}
    dropped = [] if whole_page else _around(soup, root)
    dropped += _drop_chrome(root, whole_page)
    writer = TextWriter()
    writer.write(root)
    place_faq_items(writer, items)
    blocks = mark_questions(writer.text, _with_title(writer.blocks))
    title = next((b.text for b in blocks if b.kind == "title"), fold(page_title))
    return Layout(writer.text, encoding, tuple(blocks), title, tuple(dropped))


def _content_root(soup: BeautifulSoup) -> Tag:
    body = soup.body or soup
    articles = body.find_all("article")
    candidates = [body.find("main"), body.find(role="main"),
                  articles[0] if len(articles) == 1 else None]
    total = len(fold(body.get_text(" ")))
    for candidate in candidates:
        if isinstance(candidate, Tag) and \
                len(fold(candidate.get_text(" "))) >= _MIN_ROOT_SHARE * total:
            return candidate
    return body


def _around(soup: BeautifulSoup, root: Tag) -> list[Dropped]:
    """What the page shows around its main content, which is left out."""
    body = soup.body or soup
    root.extract()  # the rest of the page is what remains
    around = fold(body.get_text(" "))
    where = "role=\"main\"" if root.name != "main" and root.get("role") == "main" \
        else f"<{root.name}>"
    return [Dropped(f"around the main content ({where})", around)] if around else []


def _drop_chrome(root: Tag, whole_page: bool) -> list[Dropped]:
    """Remove the page chrome inside ``root`` and say what went."""
    total = len(fold(root.get_text(" ")))
    dropped: list[Dropped] = []
    for tag in root.find_all(True):
        if tag.decomposed:
            continue
        reason = _chrome_reason(tag, whole_page)
        if not reason:
            continue
        text = fold(tag.get_text(" "))
        if len(text) <= _MAX_CHROME_SHARE * total:
            if text:
                dropped.append(Dropped(reason, text))
            tag.decompose()
    return dropped


def _chrome_reason(tag: Tag, whole_page: bool) -> str:
    """Why ``tag`` is page chrome ("" when it is not).

    The page's own markup of its parts (``<nav>``, ``<footer>``, a navigation role) is
    taken at its word. A name alone (a class or id with "menu", "share" or "comments"
    in it, an ``<aside>``) is not enough: many pages name a section of their content
    after its title ("i-want-comments-in-my-docs"), and notes are set in asides. A
    named element is chrome only when it also looks like chrome: mostly links and
    buttons, or a few words beside a link or a button.
    """
    classes = tag.get("class")
    if tag.name in _CHROME_TAGS:
        return f"<{tag.name}>"
    if isinstance(classes, list) and _SCREEN_READER_ONLY.intersection(classes):
        return "text for screen readers only"
    # A page's banner is chrome; an article's <header> holds its title.
    if tag.name == "header" and whole_page and tag.find_parent(_SECTIONING) is None:
        return "<header>"
    role = tag.get("role")
    if isinstance(role, str) and role.strip().lower() in _CHROME_ROLES:
        return f'role="{role.strip().lower()}"'
    # Every word of a heading is content: a link back to the contents is still its text.
    if tag.name in _HEADING_TAGS or tag.find_parent(_HEADING_TAGS) is not None:
        return ""
    names = [f'{attribute} "{value}"' for attribute, value in
             (("class", " ".join(classes) if isinstance(classes, list) else ""),
              ("id", tag.get("id")))
             if _chrome_name(value) and not _names_its_own_text(value, tag)]
    if tag.name == "aside":
        names.append("<aside>")
    if tag.get("aria-hidden") == "true":
        names.append("hidden from assistive technology")
    if not names:
        return ""
    looks = _looks_like_chrome(tag)
    # A note set aside ("See also: conflict-handling") is short by nature, and so is a
    # section under a heading of its own.
    if looks in {"a label", "a few words and a link"} and (
            names == ["<aside>"] or tag.find(_HEADING_TAGS) is not None):
        return ""
    return f"{names[0]}, {looks}" if looks else ""


def _looks_like_chrome(tag: Tag) -> str:
    """What makes ``tag`` look like chrome: "mostly links", "a few words and a link",
    "a label", "no text" ("" when it reads as text of its own)."""
    text = fold(tag.get_text(" "))
    words = len(text.split())
    if not words:
        return "no text"
    controls = [tag] if tag.name in _CONTROLS else tag.find_all(_CONTROLS)
    linked = sum(len(control.get_text(" ").split()) for control in controls)
    if linked >= _MIN_LINK_SHARE * words:
        return "mostly links"
    if words <= _MAX_LABEL_WORDS and not text.endswith((".", "!", "?")):
        return "a label"
    if linked and words <= _MAX_WIDGET_WORDS:
        return "a few words and a link"
    return ""


def _names_its_own_text(value: object, tag: Tag) -> bool:
    """True for an id or class made from the element's own words, as generators
    make section ids from titles ("why-is-the-water-green"): it names the content."""
    if not isinstance(value, str):
        return False
    tokens = set(_TOKENS.findall(value.lower()))
    heading = tag.find(_HEADING_TAGS)
    shown = heading.get_text(" ") if isinstance(heading, Tag) else tag.get_text(" ")[:500]
    return bool(tokens) and tokens <= set(_TOKENS.findall(shown.lower()))


def _chrome_name(value: object) -> bool:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    if not isinstance(value, str):
        return False
    tokens = _TOKENS.findall(value.lower())
    return any(t in _CHROME_WORDS or _NAV.search(t) or any(stem in t for stem in _CHROME_STEMS)
               for t in tokens)


def _with_title(blocks: list[Block]) -> list[Block]:
    """The first heading is the page's title when it is a top-level one."""
    titled = list(blocks)
    for i, block in enumerate(titled):
        if block.kind in {"heading", "question"}:
            if block.kind == "heading" and block.level == 1 and not block.numbered:
                titled[i] = replace(block, kind="title", level=0)
            break
    return titled
