"""Pinning one generation for a block of work in a thread, such as one web request.

A page that searches, then counts and lists, uses the index several times; should a
new generation be put in service in between, it would show parts of two. Within
:meth:`Pins.block`, the first use of the index in the thread *holds* the generation
it opened (:meth:`Pins.hold`), and every later use gets that one (:meth:`Pins.held`)
until the block ends and lets it go.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from faqkb.index.opened import Opened


class Pins:
    """The generation each thread's open block holds, if any."""

    def __init__(self) -> None:
        self._local = threading.local()

    @contextlib.contextmanager
    def block(self) -> Iterator[Callable[[], str | None]]:
        """Hold one generation in this thread until the block ends (a nested block is
        the outer one). Yields a function naming the generation held (``None`` while
        the block has not used the index)."""
        pin: list[Opened] | None = getattr(self._local, "pin", None)
        if pin is not None:
            yield _namer(pin)
            return
        pin = self._local.pin = []
        try:
            yield _namer(pin)
        finally:
            self._local.pin = None
            if pin:
                pin.pop().leave()

    def held(self) -> Opened | None:
        """The generation this thread's block holds, if any."""
        pin: list[Opened] | None = getattr(self._local, "pin", None)
        return pin[0] if pin else None

    def hold(self, opened: Opened) -> None:
        """Hold ``opened`` (entered for the block) if this thread is in a block that
        holds nothing yet."""
        pin: list[Opened] | None = getattr(self._local, "pin", None)
        if pin is not None and not pin:
            opened.enter()
            pin.append(opened)

    def drop(self, opened: Opened) -> None:
        """Let ``opened`` go if it is held (it failed: the next use opens afresh)."""
        pin: list[Opened] | None = getattr(self._local, "pin", None)
        if pin and pin[0] is opened:
            pin.pop().leave()


def _namer(pin: list[Opened]) -> Callable[[], str | None]:
    return lambda: pin[0].generation.name if pin else None
