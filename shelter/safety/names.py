"""How two ways of writing one name are recognised as the same: the one rule for 安否.

A family asks the way they would write it: full-width or half-width, with or without the
space between family and given name, in katakana where the record has hiragana. The key
is NFKC (half-width kana and full-width letters become ordinary ones), without spaces or
the middle dot that separates foreign names (ジョン・スミス), with katakana folded to
hiragana and Latin letters case-folded. Kanji are kept exactly: 髙橋 and 高橋 are different
names to a family register, and a guess that merged them would tell one family about another.
"""

from __future__ import annotations

import unicodedata

# Separators people put, or leave out, between parts of a name.
_SEPARATORS = frozenset("・･·.,-‐")
# Katakana ァ (U+30A1) to ヶ (U+30F6), and the iteration marks ヽヾ, have hiragana twins
# 0x60 lower; ヷヸヹヺ and ー have none and stay as they are.
_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)} | {0x30FD: 0x309D, 0x30FE: 0x309E}


def name_key(name: str) -> str:
    """The form two spellings of one name share (empty for a blank name)."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if not ch.isspace() and ch not in _SEPARATORS)
    return text.translate(_KATAKANA).casefold()
