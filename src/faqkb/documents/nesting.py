"""Refusing markup nested beyond reason, in one pass, before it is parsed.

Parsing and laying out a tree costs more the deeper it goes (100,000 nested ``<div>``
would take minutes), so a document's depth is measured first, in time linear in its
size, and a document deeper than any page is refused:

- :func:`check_markup_depth`: the depth of HTML elements, as a browser's parser would
  nest them (void elements do not nest, a ``<p>``, ``<li>`` or ``<td>`` closes the one
  left open before it, script and comments hold no elements); the count stops at the
  limit, so it never costs more than a pass over the text;
- :func:`check_indent_depth`: the depth of indentation in reStructuredText, where
  each deeper indentation nests a block quote or a list.
"""

from __future__ import annotations

import re

from faqkb.errors import DocumentError

# Blink's parser stops nesting at 512 elements; real pages stay under 60. Below this,
# laying out a page stays within Python's recursion limit.
MAX_ELEMENT_DEPTH = 256
MAX_INDENT_DEPTH = 100

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*>|<!--")
_VOID = frozenset("""area base br col embed hr img input keygen link meta param source track
                     wbr basefont bgsound frame image isindex nextid""".split())
_RAW_TEXT = frozenset({"script", "style", "textarea", "title", "xmp", "iframe", "noembed",
                       "noframes", "plaintext"})
# An element of the key closes an open one of its names, looking no further up the
# stack than the elements of its scope.
_IMPLIED_ENDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu", "dir"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table", "thead", "tbody", "tfoot"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "option": (frozenset({"option"}), frozenset({"select", "datalist", "optgroup"})),
    "thead": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "tbody": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
    "tfoot": (frozenset({"thead", "tbody", "tfoot", "tr", "td", "th"}), frozenset({"table"})),
}
# A block opening closes an open <p>, within these boundaries.
_CLOSES_P = frozenset("""address article aside blockquote center details dialog dir div dl
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li main menu
    nav ol p pre section summary table ul dd dt""".split())
_P_SCOPE = frozenset({"table", "td", "th", "button", "caption", "object", "template",
                      "html", "body", "marquee", "applet"})


def check_markup_depth(markup: str) -> None:
    """Raise :class:`DocumentError` when HTML elements nest deeper than
    :data:`MAX_ELEMENT_DEPTH`."""
    stack: list[str] = []
    lowered = markup.lower()  # once: finding the end of each script must stay linear
    position = 0
    while True:
        match = _TAG.search(markup, position)
        if match is None:
            return
        position = match.end()
        if match.group(0) == "<!--":
            end = markup.find("-->", position)
            position = len(markup) if end < 0 else end + 3
            continue
        closing, name = match.group(1), match.group(2).lower()
        if closing:
            if name in stack:
                while stack.pop() != name:
                    pass
            continue
        if name in _VOID or match.group(0).endswith("/>"):
            continue
        _close_implied(stack, name)
        if name in _RAW_TEXT:
            end = lowered.find(f"</{name}", position)
            position = len(markup) if end < 0 else end
            continue
        stack.append(name)
        if len(stack) > MAX_ELEMENT_DEPTH:
            raise DocumentError(f"nested too deeply to read (markup more than "
                                f"{MAX_ELEMENT_DEPTH} elements deep)")


def check_indent_depth(text: str) -> None:
    """Raise :class:`DocumentError` when indentation nests deeper than
    :data:`MAX_INDENT_DEPTH` levels."""
    indents = [0]
    for line in text.splitlines():
        stripped = line.lstrip(" \t")
        if not stripped:
            continue
        indent = len(line) - len(stripped)
        while indents and indents[-1] > indent:
            indents.pop()
        if not indents or indent > indents[-1]:
            indents.append(indent)
            if len(indents) > MAX_INDENT_DEPTH:
                raise DocumentError(f"nested too deeply to read (indented more than "
                                    f"{MAX_INDENT_DEPTH} levels deep)")


def _close_implied(stack: list[str], name: str) -> None:
    implied = _IMPLIED_ENDS.get(name)
    if implied is not None:
        closes, scope = implied
        _pop_through(stack, closes, scope)
    if name in _CLOSES_P:
        _pop_through(stack, frozenset({"p"}), _P_SCOPE)


def _pop_through(stack: list[str], closes: frozenset[str], scope: frozenset[str]) -> None:
    """Pop the innermost open element named in ``closes`` (and all above it), unless an
    element of ``scope`` stands above it first."""
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth] in closes:
            del stack[depth:]
            return
        if stack[depth] in scope:
            return
