"""Reading reStructuredText: rendered by docutils, then read like an HTML page.

The document's text is the rendered text, as for Markdown (:mod:`.markdown`).
Documents written for Sphinx use roles and directives plain docutils does not know
(``:func:`len```, ``.. versionadded::``); each unknown one found in the source is
registered with docutils' extension API before parsing, so that a role shows its
text ("DBM" for ``:mod:`DBM <dbm.ndbm>```) and a directive its content, instead of an
error. Sphinx's ``code-block`` takes options docutils' ``code`` refuses, so it is
registered as a plain literal block, and the file-wide metadata fields Sphinx reads
(``:tocdepth: 2`` above the title) are left out. These registrations are docutils'
own, for the whole process. Nothing is read from outside the document: file
inclusion and raw pass-through are switched off, and so are docutils configuration
files.
"""

from __future__ import annotations

import re
from typing import Any, cast

import docutils.core
import docutils.frontend
import docutils.parsers.rst
import docutils.utils
from docutils import nodes
from docutils.parsers.rst import Directive, directives, roles
from docutils.parsers.rst.languages import en
from docutils.statemachine import StringList
from docutils.writers import html5_polyglot

from faqkb.documents.encoding import decode_bytes
from faqkb.documents.html import layout_html
from faqkb.documents.layout import Layout
from faqkb.documents.nesting import check_indent_depth

_SETTINGS = {
    "report_level": 5,  # no system messages in the text
    "halt_level": 5,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "_disable_config": True,
    "sectsubtitle_xform": False,
    "input_encoding": "unicode",
    "output_encoding": "unicode",
    # docutils drops a line longer than 10,000 characters (a guard for its own
    # regular expressions); the document's size is already bounded where it is read.
    "line_length_limit": 2**31 - 1,
}
_ROLE = re.compile(r"(?<![\w`]):((?:(?!_)\w)+(?:[-.+:](?:(?!_)\w)+)*):`")
_DIRECTIVE = re.compile(r"^[ \t]*\.\.[ \t]+([\w][\w.:+-]*)::", re.MULTILINE)
_TARGET = re.compile(r"^(.*?)\s*<[^<>]*>$", re.DOTALL)
_METADATA = re.compile(r"\A(?:[ \t]*\n)*(?::[\w-]+:.*\n(?:[ \t]*\n)*)+")
_CODE_BLOCKS = ("code-block", "sourcecode")
_BARE_WORD = re.compile(r"[\w.+-]+")
# Directives whose content is a list of files or index terms, not text for a reader.
_NOT_TEXT = frozenset({"toctree", "index", "literalinclude", "autosummary"})
_QUIET = docutils.utils.Reporter("faqkb", 5, 5)
# The stubs type the language module and role functions more narrowly than docutils.
_ENGLISH = cast(Any, en)


def read_rst(raw: bytes) -> Layout:
    """Decode and lay out a reStructuredText document. Raises
    :class:`~faqkb.errors.DocumentError` when the bytes cannot be decoded."""
    text, encoding = decode_bytes(raw)
    check_indent_depth(text)
    source = _METADATA.sub("", text)
    _know_extensions(source)
    parts = docutils.core.publish_parts(source, writer=html5_polyglot.Writer(),
                                        settings_overrides=dict(_SETTINGS))
    return layout_html(str(parts["html_body"]), encoding)


def _know_extensions(text: str) -> None:
    for name in set(_ROLE.findall(text)):
        if roles.role(name, _ENGLISH, 0, _QUIET)[0] is None:
            roles.register_local_role(name, cast(Any, _shown_text))
    document = docutils.utils.new_document("faqkb", _default_settings())
    for name in set(_DIRECTIVE.findall(text)):
        if name.lower() in _CODE_BLOCKS:
            directives.register_directive(name.lower(), _Code)
        elif directives.directive(name, _ENGLISH, document)[0] is None:
            directives.register_directive(name, _ContentOnly)


def _default_settings() -> Any:
    settings = docutils.frontend.get_default_settings(docutils.parsers.rst.Parser)
    settings.report_level = 5
    return settings


def _shown_text(name: str, rawtext: str, text: str, lineno: int, inliner: Any,
                options: dict[str, Any] | None = None,
                content: list[str] | None = None) -> tuple[list[nodes.Node], list[Any]]:
    """A role docutils does not know: the text a reader sees, as inline code."""
    shown = docutils.utils.unescape(text)
    target = _TARGET.match(shown)
    if target and target.group(1):
        shown = target.group(1)
    if shown.startswith("~"):  # Sphinx shows the last part of "~package.module.name"
        shown = shown[1:].rsplit(".", 1)[-1]
    shown = shown.lstrip("!")
    return [nodes.literal(rawtext, shown)], []


class _AnyOption(dict[str, Any]):
    """Accepts every option of a directive faqkb does not know, as plain text."""

    def __missing__(self, key: str) -> Any:
        return directives.unchanged


class _ContentOnly(Directive):
    """A directive docutils does not know: its text, read as reST.

    Its first argument is a name or a version ("3.2") when it is one bare word;
    otherwise (``.. seealso:: :ref:`conflicts```) it is text. What follows it on the
    directive's lines ("New in this release: ...") and its content are text.
    """

    has_content = True
    optional_arguments = 2
    final_argument_whitespace = True
    option_spec = _AnyOption(name=directives.unchanged)

    def run(self) -> list[nodes.Node]:
        if self.name.lower() in _NOT_TEXT:
            return []
        container = nodes.container()
        text = self.arguments[1:] if self.arguments and _BARE_WORD.fullmatch(
            self.arguments[0]) else self.arguments
        for argument in text:
            lines = StringList(argument.splitlines(), source="")
            self.state.nested_parse(lines, self.content_offset, container)
        self.state.nested_parse(self.content, self.content_offset, container)
        return [container] if len(container) else []


class _Code(Directive):
    """Sphinx's ``code-block``: the code as a literal block, whatever its options."""

    has_content = True
    optional_arguments = 1
    option_spec = _AnyOption(name=directives.unchanged)

    def run(self) -> list[nodes.Node]:
        code = "\n".join(self.content)
        return [nodes.literal_block(code, code)] if code.strip() else []
