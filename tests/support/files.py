"""Test files made in code: PDFs with and without text, broken ones, odd encodings."""

from __future__ import annotations

import io

from fpdf import FPDF


def pdf_with_text(*pages: str) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages or ("",):
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def pdf_without_text() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_fill_color(30, 30, 30)
    pdf.rect(20, 20, 100, 60, style="F")
    return bytes(pdf.output())


def truncated_pdf() -> bytes:
    data = pdf_with_text("This invoice will be cut in half before it is uploaded.")
    return data[: len(data) // 2]


def png_bytes() -> bytes:
    # A 1x1 PNG, enough for type detection without Pillow.
    return bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6300010000000500010d0a2db40000000049454e44ae426082"
    )


def utf16_text(text: str) -> bytes:
    return text.encode("utf-16")


def windows874_text(text: str) -> bytes:
    return text.encode("cp874")


def multipart(field: str, filename: str, data: bytes, boundary: str = "drive2boundary") -> bytes:
    buf = io.BytesIO()
    buf.write(f"--{boundary}\r\n".encode())
    buf.write(f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'.encode())
    buf.write(b"Content-Type: application/octet-stream\r\n\r\n")
    buf.write(data)
    buf.write(f"\r\n--{boundary}--\r\n".encode())
    return buf.getvalue()
