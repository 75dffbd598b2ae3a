"""Free text an operator gives (a reason, a name) that is written into a commit message or the ledger."""

from __future__ import annotations

import unicodedata

# Bidirectional embeddings, overrides and isolates: they make a reason read differently from what it
# holds (the "Trojan Source" trick), in a terminal, a pull request or the status page.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class FreeTextError(ValueError):
    """Free text that may not be written; the message names the field and the character."""


def control_character(text: str) -> tuple[int, str] | None:
    """The first character of `text` that free text may not hold, and its index: a C0 or C1 control
    (U+0000-U+001F, U+007F-U+009F), a lone surrogate, or a bidirectional control.

    A NUL cuts a commit message short (git stops there, dropping the trailers after it), a newline
    lets a reason forge a trailer, and the others hide or rearrange what a reader sees. A lone
    surrogate is what Python makes of bytes on a command line that are not UTF-8: it cannot be
    written at all."""
    for index, char in enumerate(text):
        if unicodedata.category(char) in ("Cc", "Cs") or char in BIDI_CONTROLS:  # Cc: exactly C0, DEL and C1
            return index, char
    return None


def check_free_text(field: str, text: str) -> str:
    """`text` unchanged, or FreeTextError naming `field` when it holds a character it may not."""
    found = control_character(text)
    if found is not None:
        index, char = found
        raise FreeTextError(
            f"{field} holds the control character U+{ord(char):04X} at position {index}: control characters "
            "(U+0000-U+001F, U+007F-U+009F), bytes that are not UTF-8 and bidirectional controls "
            "cannot be written into a commit or the ledger"
        )
    return text
