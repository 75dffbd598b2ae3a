"""One table of instants, accepted (with the UTC instant they name) and refused, that every reader
of an instant is held to: the parser itself, the agent's switch reading, the promoter's trailer
reading and `hotswap validate`."""

from __future__ import annotations

from datetime import UTC, datetime

# (text, the instant it names, or None when it must be refused)
CASES: tuple[tuple[str, datetime | None], ...] = (
    ("2026-11-29T18:00:05Z", datetime(2026, 11, 29, 18, 0, 5, tzinfo=UTC)),
    ("2026-11-29T18:00:05.000Z", datetime(2026, 11, 29, 18, 0, 5, tzinfo=UTC)),
    ("2026-11-29T18:00:05.5Z", datetime(2026, 11, 29, 18, 0, 5, 500000, tzinfo=UTC)),
    ("2026-11-29T18:00:05.123456789Z", datetime(2026, 11, 29, 18, 0, 5, 123456, tzinfo=UTC)),
    ("2026-11-29T20:00:05+02:00", datetime(2026, 11, 29, 18, 0, 5, tzinfo=UTC)),
    ("2026-11-29T12:30:05.250-05:30", datetime(2026, 11, 29, 18, 0, 5, 250000, tzinfo=UTC)),
    ("2026-11-29T18:00:05+00:00", datetime(2026, 11, 29, 18, 0, 5, tzinfo=UTC)),
    ("2026-11-29T18:00:05-00:00", datetime(2026, 11, 29, 18, 0, 5, tzinfo=UTC)),
    ("2026-11-30T01:00:05+07:00", datetime(2026, 11, 29, 18, 0, 5, tzinfo=UTC)),  # the day before in UTC
    ("2028-02-29T00:00:00Z", datetime(2028, 2, 29, tzinfo=UTC)),  # a leap day
    ("2026-12-31T23:59:59.999Z", datetime(2026, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)),
    ("2026-11-29T18:00Z", None),  # no seconds
    ("2026-11-29 18:00:05Z", None),  # a space for the T
    ("2026-11-29t18:00:05z", None),  # lower case
    ("2026-11-29T18:00:05", None),  # no offset: local to whom?
    ("2026-11-29T18:00:05+02", None),
    ("2026-11-29T18:00:05+0200", None),
    ("2026-11-29T18:00:05.Z", None),
    ("20261129T180005Z", None),  # ISO 8601 basic format
    ("2026-11-29", None),
    ("2026-02-30T00:00:00Z", None),  # no such day
    ("2026-02-29T00:00:00Z", None),  # not a leap year
    ("2026-13-01T00:00:00Z", None),
    ("2026-11-29T24:00:00Z", None),
    ("2026-11-29T18:60:00Z", None),
    ("2026-12-31T23:59:60Z", None),  # a leap second
    ("2026-11-29T18:00:05+24:00", None),
    ("2026-11-29T18:00:05+02:60", None),
    ("\u0662\u0660\u0662\u0666-11-29T18:00:05Z", None),  # Arabic-Indic digits
    ("soon", None),
)
