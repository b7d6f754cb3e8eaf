"""Bank-transfer slips, receipts and invoices made in code, in the layouts of Thai bank
apps and shops, with what each one records (the expected ``ai.money``).

Every document is a list of rows (a label on the left, a value on the right, or one centred
line), rendered with Thai fonts from /usr/share/fonts/truetype/tlwg as a phone-sized
picture (PNG/JPEG) or as a PDF with a text layer; a slip can carry its slip-verify QR code
(generated with ``qrcode``), as the real apps print one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from drive2.domain.payment_qr import with_crc

TLWG = Path("/usr/share/fonts/truetype/tlwg")
FONTS = {
    "garuda": TLWG / "Garuda.ttf",
    "garuda-bold": TLWG / "Garuda-Bold.ttf",
    "loma": TLWG / "Loma.ttf",
    "loma-bold": TLWG / "Loma-Bold.ttf",
    "kinnari": TLWG / "Kinnari.ttf",
    "norasi": TLWG / "Norasi.ttf",
    "mono": TLWG / "TlwgMono.ttf",
}


@dataclass(frozen=True)
class Row:
    left: str = ""
    right: str = ""
    size: int = 30
    bold: bool = False
    centre: bool = False
    gap: int = 0  # extra space above the row


@dataclass
class MoneyDoc:
    name: str
    rows: list[Row]
    expected: dict[str, str | None]
    font: str = "garuda"
    width: int = 760
    #: A payload to draw as a QR code under the rows (a slip's verification code).
    qr: str | None = None
    #: Words the counterparty must contain (OCR may misread a letter elsewhere in it).
    party_words: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)


def slip_qr(bank: str, reference: str) -> str:
    """The slip-verify "mini QR" payload Thai bank apps print on a slip."""
    inner = "0006000001" + f"01{len(bank):02d}{bank}" + f"02{len(reference):02d}{reference}"
    return with_crc(f"00{len(inner):02d}{inner}5102TH", "91")


def truemoney_qr(transaction: str, day: str) -> str:
    inner = "000201010201" + f"0203P2P03{len(transaction):02d}{transaction}0408{day}"
    return with_crc(f"00{len(inner):02d}{inner}", "91")


# --- the layouts --------------------------------------------------------------------------


def kbank_slip() -> MoneyDoc:
    reference = "015043143510ATF01234"
    return MoneyDoc(
        name="kbank",
        rows=[
            Row("โอนเงินสำเร็จ", size=40, bold=True),
            Row("12 ก.พ. 68 14:35 น.", size=28),
            Row("นาย สมชาย ใจดี", size=32, bold=True, gap=20),
            Row("ธ.กสิกรไทย"),
            Row("xxx-x-x1234-x"),
            Row("นาง สมหญิง รักดี", size=32, bold=True, gap=30),
            Row("ธ.ไทยพาณิชย์"),
            Row("xxx-x-x5678-x"),
            Row("เลขที่รายการ:", gap=30),
            Row(reference),
            Row("จำนวน:", gap=10),
            Row("1,250.00 บาท", size=36, bold=True),
            Row("ค่าธรรมเนียม:", gap=10),
            Row("0.00 บาท"),
            Row("สแกนตรวจสอบสลิป", size=24, gap=20),
        ],
        expected={
            "amount": "1250.00",
            "currency": "THB",
            "date": "2025-02-12",
            "reference": reference,
            "kind": "transfer",
        },
        qr=slip_qr("004", reference),
        party_words=("สมหญิง",),
    )


def scb_slip() -> MoneyDoc:
    reference = "2025021214352712345"
    return MoneyDoc(
        name="scb",
        font="loma",
        rows=[
            Row("โอนเงินสำเร็จ", size=40, bold=True, centre=True),
            Row("12 ก.พ. 2568 - 14:35", centre=True),
            Row("รหัสอ้างอิง:", reference, gap=20),
            Row("จาก", "นาย สมชาย ใจดี", gap=20),
            Row("", "xxx-xxx123-4"),
            Row("ไปยัง", "นางสาว สมหญิง รักดี", gap=20),
            Row("", "xxx-xxx567-8 กสิกรไทย"),
            Row("จำนวนเงิน", "3,500.00", size=34, bold=True, gap=30),
            Row("ผู้รับเงินสามารถสแกนคิวอาร์โค้ดนี้เพื่อตรวจสอบสถานะการโอนเงิน", size=20, gap=30),
        ],
        expected={
            "amount": "3500.00",
            "currency": "THB",
            "date": "2025-02-12",
            "reference": reference,
            "kind": "transfer",
        },
        qr=slip_qr("014", reference),
        party_words=("สมหญิง",),
    )


def krungthai_slip() -> MoneyDoc:
    return MoneyDoc(
        name="krungthai",
        font="garuda",
        rows=[
            Row("Krungthai", size=36, bold=True),
            Row("Transfer successful", size=36, bold=True, gap=10),
            Row("Transaction date", "5 Mar 2025 09:12", gap=20),
            Row("From", "MR. SOMCHAI JAIDEE"),
            Row("", "Krungthai xxx-x-x4321-x"),
            Row("To", "MS. SUDA WONGSA", gap=10),
            Row("", "Bangkok Bank xxx-x-x8765-x"),
            Row("Amount", "780.50 THB", size=34, bold=True, gap=20),
            Row("Fee", "0.00 THB"),
            Row("Reference no.", "KTB2503050912A7", gap=10),
        ],
        expected={
            "amount": "780.50",
            "currency": "THB",
            "date": "2025-03-05",
            "reference": "KTB2503050912A7",
            "kind": "transfer",
        },
        party_words=("SUDA",),
    )


def promptpay_payment() -> MoneyDoc:
    return MoneyDoc(
        name="promptpay",
        font="loma",
        rows=[
            Row("ชำระเงินสำเร็จ", size=40, bold=True, centre=True),
            Row("พร้อมเพย์", size=30, centre=True),
            Row("วันที่", "3 มี.ค. 2568 12:05", gap=20),
            Row("ร้านค้า", "ร้านก๋วยเตี๋ยวเรือป้าแดง", gap=10),
            Row("จำนวนเงิน", "฿ 120.00", size=34, bold=True, gap=20),
            Row("เลขที่อ้างอิง", "2025030312053344", gap=10),
        ],
        expected={
            "amount": "120.00",
            "currency": "THB",
            "date": "2025-03-03",
            "reference": "2025030312053344",
            "kind": "transfer",
        },
        party_words=("ป้าแดง",),
    )


def truemoney_slip() -> MoneyDoc:
    transaction = "50001234567890"
    return MoneyDoc(
        name="truemoney",
        font="garuda",
        rows=[
            Row("ทรูมันนี่ วอลเล็ท", size=30, centre=True),
            Row("โอนเงินสำเร็จ", size=40, bold=True, centre=True),
            Row("฿ 500.00", size=44, bold=True, centre=True, gap=10),
            Row("ผู้รับ", "นาย ธนพล วงศ์ใหญ่", gap=20),
            Row("วันที่ทำรายการ", "20/02/2568 18:30"),
            Row("เลขที่รายการ", transaction),
        ],
        expected={
            "amount": "500.00",
            "currency": "THB",
            "date": "2025-02-20",
            "reference": transaction,
            "kind": "transfer",
        },
        qr=truemoney_qr(transaction, "20022025"),
        party_words=("ธนพล",),
    )


def seven_eleven_receipt() -> MoneyDoc:
    return MoneyDoc(
        name="seven-eleven",
        font="loma",
        width=620,
        rows=[
            Row("7-ELEVEN", size=40, bold=True, centre=True),
            Row("CP ALL PUBLIC COMPANY LIMITED", size=24, centre=True),
            Row("TAX#0107542000011 (VAT Included)", size=22, centre=True),
            Row("ใบเสร็จรับเงิน/ใบกำกับภาษีอย่างย่อ", size=24, centre=True),
            Row("1 น้ำดื่ม 600ML", "7.00", size=26, gap=20),
            Row("1 ขนมปังไส้หมูหยอง", "25.00", size=26),
            Row("2 กาแฟกระป๋อง", "50.00", size=26),
            Row("1 ข้าวกะเพราไก่", "50.00", size=26),
            Row("ยอดสุทธิ 5 ชิ้น", "132.00", size=30, bold=True, gap=10),
            Row("เงินสด", "200.00", size=26),
            Row("เงินทอน", "68.00", size=26),
            Row("VATABLE", "123.36", size=24, gap=10),
            Row("VAT 7%", "8.64", size=24),
            Row("R#0001234 12/02/25 14:35", size=24, gap=10),
        ],
        expected={
            "amount": "132.00",
            "currency": "THB",
            "date": "2025-02-12",
            "reference": "0001234",
            "kind": "receipt",
        },
        party_words=("CP ALL",),
    )


def english_invoice() -> MoneyDoc:
    return MoneyDoc(
        name="invoice-en",
        font="garuda",
        width=1000,
        rows=[
            Row("Bright Pixel Studio Co., Ltd.", size=34, bold=True),
            Row("88 Sukhumvit Soi 21, Bangkok 10110", size=24),
            Row("INVOICE", size=44, bold=True, gap=20),
            Row("Invoice No:", "INV-2025-0042", gap=10),
            Row("Invoice date:", "3 March 2025"),
            Row("Due date:", "2 April 2025"),
            Row("Bill to:", "Siam Retail Co., Ltd.", gap=10),
            Row("Website redesign", "8,000.00", gap=20),
            Row("Hosting, 12 months", "2,000.00"),
            Row("Subtotal", "10,000.00", gap=10),
            Row("VAT 7%", "700.00"),
            Row("Total due", "THB 10,700.00", size=34, bold=True),
            Row("Please pay by bank transfer to Kasikornbank 123-4-56789-0.", size=22, gap=20),
        ],
        expected={
            "amount": "10700.00",
            "currency": "THB",
            "date": "2025-03-03",
            "reference": "INV-2025-0042",
            "kind": "invoice",
        },
        party_words=("Bright Pixel",),
    )


def thai_tax_invoice() -> MoneyDoc:
    return MoneyDoc(
        name="tax-invoice-th",
        font="norasi",
        width=1000,
        rows=[
            Row("บริษัท ไทยซอฟต์ จำกัด (สำนักงานใหญ่)", size=34, bold=True),
            Row("99 ถนนพระราม 9 แขวงห้วยขวาง เขตห้วยขวาง กรุงเทพฯ 10310", size=22),
            Row("เลขประจำตัวผู้เสียภาษี 0105560012345", size=22),
            Row("ใบกำกับภาษี / ใบแจ้งหนี้", size=40, bold=True, centre=True, gap=20),
            Row("เลขที่", "INV6802-0015", gap=10),
            Row("วันที่", "12 ก.พ. 2568"),
            Row("ครบกำหนดชำระ", "14 มี.ค. 2568"),
            Row("ลูกค้า", "บริษัท สยามรีเทล จำกัด"),
            Row("ค่าออกแบบเว็บไซต์", "4,000.00", gap=20),
            Row("ค่าดูแลระบบรายปี", "1,000.00"),
            Row("รวมเงิน", "5,000.00", gap=10),
            Row("ภาษีมูลค่าเพิ่ม 7%", "350.00"),
            Row("จำนวนเงินรวมทั้งสิ้น", "5,350.00", size=34, bold=True),
            Row("(ห้าพันสามร้อยห้าสิบบาทถ้วน)", size=24),
        ],
        expected={
            "amount": "5350.00",
            "currency": "THB",
            "date": "2025-02-12",
            "reference": "INV6802-0015",
            "kind": "invoice",
        },
        party_words=("ไทยซอฟต์",),
    )


LAYOUTS = (
    kbank_slip,
    scb_slip,
    krungthai_slip,
    promptpay_payment,
    truemoney_slip,
    seven_eleven_receipt,
    english_invoice,
    thai_tax_invoice,
)


# --- documents that record no money -------------------------------------------------------


def no_amount_slip() -> MoneyDoc:
    """A slip whose amount is cut off: no record rather than a guess."""
    return MoneyDoc(
        name="no-amount",
        rows=[
            Row("โอนเงินสำเร็จ", size=40, bold=True),
            Row("12 ก.พ. 68 14:35 น."),
            Row("นาย สมชาย ใจดี", gap=20),
            Row("นาง สมหญิง รักดี", gap=20),
            Row("เลขที่รายการ: 015043143510ATF09999", gap=20),
        ],
        expected={},
    )


def price_list() -> MoneyDoc:
    """Many amounts, none of them a payment: a menu."""
    return MoneyDoc(
        name="price-list",
        rows=[
            Row("เมนูเครื่องดื่ม", size=40, bold=True),
            Row("อเมริกาโน่", "55.00"),
            Row("ลาเต้", "65.00"),
            Row("คาปูชิโน่", "65.00"),
            Row("ชาเขียว", "60.00"),
            Row("โกโก้", "60.00"),
        ],
        expected={},
    )


# --- rendering ----------------------------------------------------------------------------

MARGIN = 40
QR_SIDE = 220


def _font(doc: MoneyDoc, row: Row) -> ImageFont.FreeTypeFont:
    name = f"{doc.font}-bold" if row.bold and f"{doc.font}-bold" in FONTS else doc.font
    return ImageFont.truetype(str(FONTS[name]), row.size)


def render(doc: MoneyDoc) -> Image.Image:
    """The document as a phone-screenshot-like picture: black on white, rows top to bottom."""
    heights = [int(row.size * 1.7) + row.gap for row in doc.rows]
    qr_image = _qr_image(doc.qr) if doc.qr else None
    height = MARGIN * 2 + sum(heights) + (QR_SIDE + 40 if qr_image else 0)
    image = Image.new("RGB", (doc.width, height), "white")
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for row, row_height in zip(doc.rows, heights, strict=True):
        face = _font(doc, row)
        y += row.gap
        if row.centre:
            width = face.getlength(row.left)
            draw.text(((doc.width - width) / 2, y), row.left, font=face, fill="black")
        else:
            if row.left:
                draw.text((MARGIN, y), row.left, font=face, fill="black")
            if row.right:
                width = face.getlength(row.right)
                draw.text((doc.width - MARGIN - width, y), row.right, font=face, fill="black")
        y += row_height - row.gap
    if qr_image is not None:
        image.paste(qr_image, ((doc.width - QR_SIDE) // 2, y + 20))
    return image


def _qr_image(payload: str) -> Image.Image:
    import qrcode

    code = qrcode.QRCode(border=2, box_size=6)
    code.add_data(payload)
    code.make(fit=True)
    picture = code.make_image(fill_color="black", back_color="white").get_image()
    return picture.convert("RGB").resize((QR_SIDE, QR_SIDE), Image.Resampling.NEAREST)


def png_bytes(doc: MoneyDoc) -> bytes:
    buf = io.BytesIO()
    render(doc).save(buf, format="PNG")
    return buf.getvalue()


def jpeg_bytes(doc: MoneyDoc, quality: int = 85) -> bytes:
    buf = io.BytesIO()
    render(doc).save(buf, format="JPEG", quality=quality)
    return buf.getvalue()


def scanned_pdf_bytes(doc: MoneyDoc) -> bytes:
    """The picture inside a PDF with no text layer (a scanned or printed-to-image slip)."""
    buf = io.BytesIO()
    render(doc).save(buf, format="PDF", resolution=150.0)
    return buf.getvalue()


def pdf_bytes(doc: MoneyDoc) -> bytes:
    """A PDF with a text layer, the rows as text in a Thai font (A4, points)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.add_page()
    pdf.add_font("body", "", str(FONTS[doc.font]))
    bold = FONTS.get(f"{doc.font}-bold", FONTS[doc.font])
    pdf.add_font("body", "B", str(bold))
    scale = 0.55
    left, right = 50.0, pdf.w - 50.0
    y = 50.0
    for row in doc.rows:
        size = row.size * scale
        pdf.set_font("body", "B" if row.bold else "", size)
        y += row.gap * scale
        if row.centre:
            pdf.text((pdf.w - pdf.get_string_width(row.left)) / 2, y + size, row.left)
        else:
            if row.left:
                pdf.text(left, y + size, row.left)
            if row.right:
                pdf.text(right - pdf.get_string_width(row.right), y + size, row.right)
        y += size * 1.7
    return bytes(pdf.output())
