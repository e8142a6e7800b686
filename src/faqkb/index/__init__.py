"""The index: from entries to a Whoosh index on disk, kept in step with ``kb/``.

- :mod:`~faqkb.index.analysis`: the one analyzer (text to terms), for indexing and querying;
- :mod:`~faqkb.index.schema`: the Whoosh schema, the one place field names live;
- :mod:`~faqkb.index.vocabulary`: the words of an index as written, for spelling;
- :mod:`~faqkb.index.writing`: segments and updates, with their word and term counts;
- :mod:`~faqkb.index.storage`: generations on disk, the manifest, atomic swaps;
- :mod:`~faqkb.index.builder`: full and incremental builds, on several cores;
- :mod:`~faqkb.index.lock`: one build at a time in an index folder;
- :mod:`~faqkb.index.keeper`: when to build, and safely;
- :mod:`~faqkb.index.opened`: a checked generation opened for searching.

Nothing here imports :mod:`faqkb.search` or Flask.
"""
