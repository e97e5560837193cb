"""Pass codes: made at random, read forgivingly.

A pass code is 20 symbols of Crockford's base 32 (digits and upper-case letters without
I, L, O, U): 100 random bits, nothing derived from the holder. Upper-case letters and
digits only, so a QR code holds it in alphanumeric mode and a handheld scanner can type it.
Reading is forgiving: case, spaces, hyphens, full-width characters (a Japanese IME) and
the look-alikes O→0, I/L→1 are all undone before lookup.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 20
ENTROPY_BITS = LENGTH * 5  # 32 symbols = 5 bits each
PATTERN = re.compile(r"^[0-9A-Z]{16,40}$")
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    # One draw of ENTROPY_BITS, five bits per symbol: as uniform as a draw per symbol, and a
    # walk-in at a surge makes one call to the system's randomness, not twenty.
    bits = secrets.randbits(ENTROPY_BITS)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(LENGTH))


def normalize(text: str) -> str | None:
    """The canonical code for what a person or scanner typed, or None if it can't be one."""
    folded = unicodedata.normalize("NFKC", text).upper()
    folded = re.sub(r"[\s\-‐－ー_]", "", folded).translate(_LOOKALIKES)
    return folded if PATTERN.fullmatch(folded) else None
