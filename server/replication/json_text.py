"""JSON text written on the sync write path, by orjson.

``sync.protocol.canonical_json`` is the standard library's encoder (``sync`` imports
nothing else); it was a tenth of a push's time, three texts for every op. orjson writes
the same text about seven times faster (sorted keys, no spaces, UTF-8 kept as is) for
every value the sync data model stores: text, integers, booleans, null, lists and
objects keyed by text (``tests/server/test_json_text.py`` compares the two). A value
orjson refuses (an integer beyond 64 bits, a lone surrogate, a key that is not text)
falls back to the standard library, so nothing it encodes today is refused. Floats are
written differently in places (``1e-7`` against ``1e-07``), and no field of a
collection takes one.
"""

import json
from typing import Any

import orjson

from sync.protocol import canonical_json as reference_json

_SORTED = orjson.OPT_SORT_KEYS


def canonical_json(value: Any) -> str:
    """``value`` as ``sync.protocol.canonical_json`` writes it."""
    try:
        return orjson.dumps(value, option=_SORTED).decode()
    except orjson.JSONEncodeError:
        return reference_json(value)


def compact_json(value: Any) -> bytes:
    """``value`` as a UTF-8 JSON body, keys in the order given."""
    try:
        return orjson.dumps(value)
    except orjson.JSONEncodeError:
        # Escaped to ASCII: a lone surrogate has no UTF-8 form but has a JSON one.
        return json.dumps(value, separators=(",", ":")).encode()
