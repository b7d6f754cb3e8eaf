"""Stage: the file's own date (document_date), before the AI names the file by it.

The date the content states, then e-mail, EXIF, PDF and office dates, and the upload day
last (domain/document_date.py). It is stored as the file's document_date and, with where it
came from, as the metadata section "date", which the local AI names the file by.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from drive2.domain.document_date import choose_document_date
from drive2.pipeline.context import ProcessingContext

#: Dates are looked for in this much of the text: documents state theirs near the top, and
#: a long text's later dates are mostly about other things.
DATE_TEXT_CHARS = 20_000


class DocumentDateStage:
    name = "document_date"
    optional = True

    def applies(self, ctx: ProcessingContext) -> bool:
        return True

    def run(self, ctx: ProcessingContext) -> None:
        zone = ZoneInfo(ctx.settings.timezone)
        chosen = choose_document_date(
            ctx.text[:DATE_TEXT_CHARS],
            ctx.metadata,
            ctx.file.uploaded_at.astimezone(zone).date(),
            ctx.settings.timezone,
            today=datetime.now(zone).date(),
        )
        if chosen is not None:
            ctx.document_date = chosen.value
            ctx.metadata["date"] = chosen.as_metadata()
