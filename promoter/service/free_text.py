"""The API's refusal of free text that may not be written into a commit or the ledger."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from contract.text import FreeTextError, check_free_text


def refused_text(fields: dict[str, str]) -> JSONResponse | None:
    """422 naming the first field that holds a control character (contract.text); None when none does."""
    for name, text in fields.items():
        try:
            check_free_text(name, text)
        except FreeTextError as exc:
            return JSONResponse({"error": "invalid request", "fields": {name: str(exc)}}, status_code=422)
    return None
