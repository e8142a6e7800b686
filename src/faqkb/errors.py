"""The exceptions faqkb raises, all under one root so callers can catch them together.

    FaqkbError                  anything faqkb reports to a user
    ├── KnowledgeBaseError      the kb folder is missing or is not a folder
    ├── DocumentError           one document cannot be read (binary, undecodable, ...)
    ├── IndexBuildError         the index cannot be built, opened or stored
    ├── QueryError              a search was called with invalid arguments (also a ValueError)
    └── InsightsError           the insights database cannot be read or changed

What a person types into a search box never raises: only arguments a program passes
(a negative limit, an unknown kind) raise :class:`QueryError`.
"""

from __future__ import annotations


class FaqkbError(Exception):
    """Base class of every error faqkb reports; its message is meant for a user."""


class KnowledgeBaseError(FaqkbError):
    """The knowledge-base folder is missing, unreadable or not a folder."""


class DocumentError(FaqkbError):
    """A document of the knowledge base cannot be read; the build skips it."""


class IndexBuildError(FaqkbError):
    """The search index cannot be built, opened or stored."""


class QueryError(FaqkbError, ValueError):
    """A search was called with invalid arguments."""


class InsightsError(FaqkbError):
    """The insights database cannot be read or changed (recording events never raises)."""
