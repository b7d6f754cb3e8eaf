"""Stage: the money a receipt, an invoice or a transfer slip records (``ai.money``).

Its own optional stage, after the AI stage and before embedding, because
- it reads the picture itself (a slip's QR code), which the AI provider port never sees;
- it settles the AI's answer: an LLM's proposed record is checked against the document and
  the rules' record is the fallback (pipeline/money/record.py), whichever provider answered;
- a failure here (a decoder crash, a rule's bug) skips this stage with its reason and
  duration in the stage record, never the AI result or the file.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from drive2.domain.money_amounts import has_money
from drive2.domain.money_kind import document_kind
from drive2.domain.money_rules import MAX_TEXT_CHARS
from drive2.domain.payment_qr import PROMPTPAY
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.money.qr_codes import PDF, payment_codes
from drive2.pipeline.money.record import QR_SECTION, settle_money
from drive2.pipeline.money.rows import first_page_was_read, read_rows


class MoneyStage:
    name = "money"
    optional = True

    def applies(self, ctx: ProcessingContext) -> bool:
        return ctx.ai is not None and bool(ctx.text.strip())

    def run(self, ctx: ProcessingContext) -> None:
        assert ctx.ai is not None
        head = ctx.text[:MAX_TEXT_CHARS]
        about_money = document_kind(head) is not None
        codes = []
        # A slip is mostly a picture; a PDF is looked at only when its text is about money.
        if ctx.content_type != PDF or about_money:
            codes = payment_codes(ctx.path, ctx.content_type, ctx.settings.image_max_pixels)
        if codes:
            ctx.metadata[QR_SECTION] = [code.as_metadata() for code in codes]
        rows = None
        # The automatic layout may have lost the heading that says what the picture is, as
        # well as the labels: a slip's QR code or an amount is reason enough to read again.
        slip = any(code.kind != PROMPTPAY for code in codes)
        if first_page_was_read(ctx.metadata) and (about_money or slip or has_money(head)):
            rows = read_rows(ctx.path, ctx.content_type, ctx.workdir, ctx.settings)
        today = datetime.now(ZoneInfo(ctx.settings.timezone)).date()
        ctx.ai = settle_money(
            ctx.ai,
            ctx.text,
            ctx.metadata,
            original_filename=ctx.file.filename,
            dated=ctx.document_date,
            today=today,
            default_currency=ctx.settings.money_default_currency,
            rows=rows,
        )
        money = ctx.ai.money
        if money is None:
            return
        if not ctx.file.tags_edited:
            ctx.tags = list(dict.fromkeys([*ctx.tags, *ctx.ai.tags]))
