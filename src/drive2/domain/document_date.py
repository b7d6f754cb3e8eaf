"""Which date a file is dated by: its own statement first, the upload day last.

``choose_document_date(text, metadata, uploaded, timezone, today) -> DatedBy | None``:

1. an e-mail's Date header (the message's own date, which its body rarely restates);
2. the date the content states (domain/dates.py: an issue or transaction date first);
3. EXIF date taken; 4. PDF creation; 5. office document creation;
6. the upload day (``uploaded``, in the drive's time zone), when given.

``metadata_date(metadata, timezone)`` is steps 1 and 3-5 alone: the dates the file's
metadata carries, read in the drive's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from drive2.domain.dates import DateRole, document_date

#: Where the date came from, as stored in the file's metadata ("date" section).
SOURCE_TEXT = "text"
SOURCE_UPLOADED = "uploaded"
#: (section, key) of the metadata dates, in the order they are trusted after the text.
METADATA_SOURCES = (
    ("exif", "taken_at"),
    ("pdf", "created_at"),
    ("document", "created_at"),
)
EMAIL_SOURCE = ("email", "date")


@dataclass(frozen=True)
class DatedBy:
    value: date
    #: "text", "email", "exif", "pdf", "document" (office) or "uploaded".
    source: str
    #: For a date from the text: its role and how it was written.
    role: DateRole | None = None
    written: str | None = None

    def as_metadata(self) -> dict[str, str]:
        """The file's metadata section "date": what dated it and why."""
        out = {"value": self.value.isoformat(), "source": self.source}
        if self.role is not None:
            out["role"] = self.role.value
        if self.written is not None:
            out["written"] = self.written
        return out


def parse_moment(value: str, timezone: str) -> date | None:
    """The day of an ISO date or date-time in the drive's time zone (1900-2200 only)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(timezone))
    if not 1900 <= moment.year <= 2200:
        return None
    return moment.date()


def _metadata_value(
    metadata: Mapping[str, object], section: str, key: str, timezone: str
) -> date | None:
    part = metadata.get(section)
    value = part.get(key) if isinstance(part, Mapping) else None
    return parse_moment(value, timezone) if isinstance(value, str) else None


def metadata_date(metadata: Mapping[str, object], timezone: str) -> DatedBy | None:
    """The best date the metadata carries: e-mail Date, EXIF, PDF, office creation."""
    for section, key in (EMAIL_SOURCE, *METADATA_SOURCES):
        value = _metadata_value(metadata, section, key, timezone)
        if value is not None:
            return DatedBy(value, section)
    return None


def choose_document_date(
    text: str,
    metadata: Mapping[str, object],
    uploaded: date | None,
    timezone: str,
    today: date | None = None,
) -> DatedBy | None:
    """The file's date, by the order in the module docstring; None only without `uploaded`
    and without any date to read."""
    email = _metadata_value(metadata, *EMAIL_SOURCE, timezone)
    if email is not None:
        return DatedBy(email, EMAIL_SOURCE[0])
    stated = document_date(text, today=today or uploaded) if text else None
    if stated is not None:
        return DatedBy(stated.value, SOURCE_TEXT, stated.role, stated.written)
    for section, key in METADATA_SOURCES:
        value = _metadata_value(metadata, section, key, timezone)
        if value is not None:
            return DatedBy(value, section)
    return DatedBy(uploaded, SOURCE_UPLOADED) if uploaded is not None else None
