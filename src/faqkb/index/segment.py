"""Writing a Whoosh segment in one pass from entries analyzed once: the fast path of builds.

Whoosh's own writer spends most of a build in Python steps per posting: it tokenizes
each field again, pickles every posting into a sorting pool, sorts runs on disk, and
reads each document's field length back from disk for every posting it writes.
:class:`SegmentFiles` writes the same files through the same codec (Whoosh 3's: terms,
postings, columns, stored fields, lengths) from what a build already holds in memory:
the stored fields and lengths of each document as it is added, and, at the end, the
text fields' postings from the compact arrays of
:class:`~faqkb.index.postings.PostingsWriter` (sorted with numpy), the filters' from
lists kept as the documents came. The result is an ordinary segment that any Whoosh
reader reads (``tests/test_index.py`` compares one with Whoosh's own).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3Codec
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length, length_to_byte

from faqkb.index.postings import FIELDS, PostingsWriter

_MAX_CACHED_TF = 256
_VBYTES = [pack_uint(tf) for tf in range(_MAX_CACHED_TF)]  # Frequency format: the tf


class SegmentFiles:
    """One new segment of ``index``, written by documents added in order, then
    :meth:`finish` (a Whoosh ``Segment``) or :meth:`cancel`."""

    def __init__(self, index: Any) -> None:
        self._schema = index.schema
        self._storage = index.storage
        self._codec = W3Codec()
        self.segment = self._codec.new_segment(self._storage, index.indexname)
        self._perdoc = self._codec.per_document_writer(self._storage, self.segment)
        self._fields = self._codec.field_writer(self._storage, self.segment)
        self._stored = [(name, self._schema[name]) for name in sorted(self._schema.names())]
        self._terms: dict[str, dict[bytes, list[int]]] = defaultdict(lambda: defaultdict(list))
        self.count = 0

    def add(self, fields: dict[str, Any], field_terms: Sequence[Sequence[str]]) -> None:
        """Add the next document: its Whoosh fields (the text fields' terms are taken
        from ``field_terms``, in :data:`~faqkb.index.postings.FIELDS` order)."""
        docnum = self.count
        lengths = dict(zip(FIELDS, (len(terms) for terms in field_terms), strict=True))
        perdoc = self._perdoc
        perdoc.start_doc(docnum)
        for name, field in self._stored:
            value = fields.get(name)
            if value is None:
                continue
            if name not in lengths and field.indexed:  # a filter (ID): the value is the term
                self._terms[name][value.encode("utf-8")].append(docnum)
            perdoc.add_field(name, field, value if field.stored else None,
                             lengths.get(name, 0))
            if field.column_type:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self.count += 1

    def finish(self, postings: PostingsWriter) -> Any:
        """Write the postings (the text fields' from ``postings``) and close the files."""
        self._perdoc.close()
        writer = self._fields
        for name in sorted(set(FIELDS) | set(self._terms)):  # Whoosh's order: by name
            writer.start_field(name, self._schema[name])
            if name in FIELDS:
                self._text_postings(name, postings)
            else:
                for term in sorted(self._terms[name]):
                    writer.start_term(term)
                    for docnum in self._terms[name][term]:
                        writer.add(docnum, 1.0, b"", 0)
                    writer.finish_term()
            writer.finish_field()
        writer.close()
        self.segment.set_doc_count(self.count)
        return self.segment

    def _text_postings(self, name: str, postings: PostingsWriter) -> None:
        terms, starts, docs, tfs, lengths = postings.field_arrays(name)
        # The length Whoosh keeps for each posting's document: its field length as
        # stored (one byte, rounded), as its own writer reads it back.
        distinct, which = np.unique(lengths.astype(np.int64), return_inverse=True)
        stored = np.array([byte_to_length(length_to_byte(int(n))) for n in distinct],
                          dtype=np.int64)[which]
        doc_bytes = docs.astype(np.uint32)
        weight_bytes = tfs.astype(np.float32)
        posting_lengths = stored[docs].tolist() if len(docs) else []
        tf_list = tfs.tolist()
        writer = self._fields
        for rank, term in enumerate(terms):
            start, end = int(starts[rank]), int(starts[rank + 1])
            if start == end:
                continue
            writer.start_term(term)
            # The postings go into the writer's blocks a block at a time, as its own
            # add_posting() would leave them, without a Python call per posting.
            blocks = writer._postwriter
            limit = blocks._blocklimit
            for low in range(start, end, limit):
                high = min(low + limit, end)
                if low > start:
                    blocks._write_block()
                blocks._ids = array("I", doc_bytes[low:high].tobytes())
                blocks._weights = array("f", weight_bytes[low:high].tobytes())
                blocks._values = [_VBYTES[tf] if tf < _MAX_CACHED_TF else pack_uint(tf)
                                  for tf in tf_list[low:high]]
                blocks._maxweight = float(weight_bytes[low:high].max())
                blocks._minlength = min(posting_lengths[low:high])
                blocks._maxlength = max(posting_lengths[low:high])
            writer.finish_term()

    def cancel(self) -> None:
        """Abandon the segment (its files are removed with the generation)."""
        for closing in (self._perdoc, self._fields):
            if not closing.is_closed:
                closing.close()
