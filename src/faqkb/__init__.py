"""faqkb: a searchable FAQ knowledge base built from a folder of documents.

    >>> from faqkb import search
    >>> for hit in search("how do I reset my password", limit=3):
    ...     print(hit.kind, hit.question or hit.text, hit.source, hit.start, hit.end)

:func:`search` uses the bundled ``kb/``; :class:`KnowledgeBase` serves any folder.
"""

from faqkb.errors import (
    DocumentError,
    FaqkbError,
    IndexBuildError,
    InsightsError,
    KnowledgeBaseError,
    QueryError,
)
from faqkb.kb import KnowledgeBase, search
from faqkb.models import BuildReport, Document, Entry, Hit, SearchResults

__all__ = [
    "BuildReport",
    "Document",
    "DocumentError",
    "Entry",
    "FaqkbError",
    "Hit",
    "IndexBuildError",
    "InsightsError",
    "KnowledgeBase",
    "KnowledgeBaseError",
    "QueryError",
    "SearchResults",
    "search",
]
__version__ = "0.1.0"
