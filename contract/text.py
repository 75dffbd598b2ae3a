"""Free text an operator gives (a reason, a name) that is written into a commit message or the ledger."""

from __future__ import annotations

import unicodedata


class FreeTextError(ValueError):
    """Free text that may not be written; the message names the field and the character."""


def control_character(text: str) -> tuple[int, str] | None:
    """The first C0 or C1 control character in `text` (U+0000-U+001F, U+007F-U+009F) and its index.

    A NUL cuts a commit message short (git stops there, dropping the trailers after it), a newline
    lets a reason forge a trailer, and the others hide or rearrange what a reader sees."""
    for index, char in enumerate(text):
        if unicodedata.category(char) == "Cc":  # exactly C0, DEL and C1
            return index, char
    return None


def check_free_text(field: str, text: str) -> str:
    """`text` unchanged, or FreeTextError naming `field` when it holds a control character."""
    found = control_character(text)
    if found is not None:
        index, char = found
        raise FreeTextError(
            f"{field} holds the control character U+{ord(char):04X} at position {index}: "
            "control characters (U+0000-U+001F, U+007F-U+009F) cannot be written into a commit or the ledger"
        )
    return text
