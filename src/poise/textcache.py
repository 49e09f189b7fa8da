"""One remembered-results cache for text in, values out (scores, encoder outputs, embeddings).

Keys are a 16-byte digest of the text, so a cache of long messages stays small. Repeats are
common: drift embeds the turns the negativity scorer has just encoded, and a helpdesk sidebar
sends the whole conversation again with every new turn.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

V = TypeVar("V")


def text_key(text: str) -> bytes:
    """A short, fixed-size key for a remembered text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


class TextCache(Generic[V]):
    """Values by text, least recently used forgotten first; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._values: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()

    def fetch(self, texts: Sequence[str], compute: Callable[[list[str]], Sequence[V]]) -> list[V]:
        """A value per text, in order: remembered ones looked up, the rest (each distinct text
        once) computed in one call to ``compute`` and remembered."""
        keys = [text_key(t) for t in texts]
        with self._lock:
            found = {k: v for k in keys if (v := self._values.get(k)) is not None}
        missing = {k: t for k, t in zip(keys, texts, strict=True) if k not in found}
        if missing:
            found.update(zip(missing, compute(list(missing.values())), strict=True))
        with self._lock:
            for key in dict.fromkeys(keys):
                self._values[key] = found[key]
                self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        return [found[k] for k in keys]

    def clear(self) -> None:
        """Forget every remembered text (benchmarks measure the work, not the cache)."""
        with self._lock:
            self._values.clear()
