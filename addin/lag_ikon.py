"""Draw the add-in's icon as PNG files in the sizes the Office manifest needs (no image library).

The icon: a dark blue rounded square with three white bars rising left to right (budget follow-up)
and a thin white baseline. Drawn by sampling each pixel 4×4 times (smooth edges) and written as
RGBA PNG with ``zlib``. Run from the repository root after changing the drawing::

    python addin/lag_ikon.py

Writes ``kostra_functions/addin_web/static/ikon-<size>.png`` for the sizes in
``kostra_functions.addin_web.ICON_SIZES``.
"""

from __future__ import annotations

import struct
import sys
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kostra_functions.addin_web import ICON_SIZES, STATIC  # noqa: E402

BLUE = (31, 78, 121)
WHITE = (255, 255, 255)
SAMPLES = 4


def _inside_rounded_square(x: float, y: float, radius: float = 0.18) -> bool:
    if not (0 <= x <= 1 and 0 <= y <= 1):
        return False
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius**2


#: Bars as (left, right, top) in the unit square (y grows downwards); they all stand on BASE.
BARS = ((0.20, 0.34, 0.56), (0.43, 0.57, 0.40), (0.66, 0.80, 0.22))
BASE = 0.78


def _is_white(x: float, y: float) -> bool:
    if 0.14 <= x <= 0.86 and BASE <= y <= BASE + 0.06:
        return True
    return any(left <= x <= right and top <= y <= BASE for left, right, top in BARS)


def pixel(px: int, py: int, size: int) -> tuple[int, int, int, int]:
    inside = white = 0
    for sx in range(SAMPLES):
        for sy in range(SAMPLES):
            x = (px + (sx + 0.5) / SAMPLES) / size
            y = (py + (sy + 0.5) / SAMPLES) / size
            if _inside_rounded_square(x, y):
                inside += 1
                if _is_white(x, y):
                    white += 1
    n = SAMPLES * SAMPLES
    if not inside:
        return (0, 0, 0, 0)
    share = white / inside
    rgb = tuple(round(b + (w - b) * share) for b, w in zip(BLUE, WHITE, strict=True))
    return (*rgb, round(255 * inside / n))  # type: ignore[return-value]


def png(size: int) -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y, size)) for x in range(size)) for y in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9))
            + chunk(b"IEND", b""))


def main() -> int:
    for size in ICON_SIZES:
        path = STATIC / f"ikon-{size}.png"
        path.write_bytes(png(size))
        print(f"Skrev {path.relative_to(REPO)} ({size}×{size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
