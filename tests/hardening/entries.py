"""The table of public functions for the bad-input suite: a valid call and what may be spoiled in it.

One module per part of the library; ``ENTRIES`` is all of them. ``Entry`` is defined in :mod:`.common`.
"""

from __future__ import annotations

from .common import Entry
from .entries_compression import COMPRESSION
from .entries_conformance import CONFORMANCE
from .entries_foundation import FOUNDATION
from .entries_interpret import INTERPRET

ENTRIES: list[Entry] = FOUNDATION + COMPRESSION + INTERPRET + CONFORMANCE
