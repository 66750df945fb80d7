"""姓氏笔画 order (E21): by total strokes of each character, then by code point (a fixed, documented tie rule).

The table (elections/data/strokes.txt) is generated from Unicode's Unihan kTotalStrokes by
scripts/make_stroke_table.py, so SQLite and PostgreSQL give the same order.
"""

import functools
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "strokes.txt"


@functools.cache
def strokes() -> dict[str, int]:
    table = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            count, chars = line.split(" ", 1)
            for char in chars:
                table[char] = int(count)
    return table


def stroke_key(name: str) -> tuple:
    table = strokes()
    return tuple((table.get(ch, 99), ord(ch)) for ch in name)


def stroke_sorted(items, name=lambda x: x):
    return sorted(items, key=lambda item: stroke_key(name(item)))
