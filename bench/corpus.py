"""A generated corpus of mixed files for the pipeline benchmark: every file is made here, each
one unique (so no upload is a duplicate), from text, Markdown and CSV to scanned PDFs, photos
with text, office documents and short videos."""

from __future__ import annotations

import io
import json
import random
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

WORDS = (
    "invoice receipt contract lease agreement budget meeting quarterly revenue report tax "
    "insurance policy payment salary travel hotel flight ticket doctor prescription school "
    "tuition electricity water internet mobile bill bank statement transfer account loan "
    "mortgage warranty manual recipe garden holiday family photo passport visa application"
).split()
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass(frozen=True)
class CorpusFile:
    name: str
    kind: str
    path: Path


def _sentence(rng: random.Random, words: int = 12) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    return [" ".join(_sentence(rng) for _ in range(4)) for _ in range(count)]


def _text_image(
    rng: random.Random, lines: int = 6, size: tuple[int, int] = (1400, 600)
) -> Image.Image:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(DEJAVU, 34)
    for i in range(lines):
        draw.text((40, 40 + i * 80), _sentence(rng, 6), fill="black", font=font)
    return image


def make_txt(rng: random.Random, path: Path) -> None:
    path.write_text("\n\n".join(_paragraphs(rng, 8)), encoding="utf-8")


def make_md(rng: random.Random, path: Path) -> None:
    body = [f"# {_sentence(rng, 3)}", ""]
    body += [f"- {_sentence(rng, 5)}" for _ in range(6)] + ["", *_paragraphs(rng, 3)]
    path.write_text("\n".join(body), encoding="utf-8")


def make_csv(rng: random.Random, path: Path) -> None:
    rows = ["date,item,amount"] + [
        f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},{rng.choice(WORDS)},"
        f"{rng.randint(1, 9999)}"
        for _ in range(200)
    ]
    path.write_text("\n".join(rows), encoding="utf-8")


def make_json(rng: random.Random, path: Path) -> None:
    doc = {
        "title": _sentence(rng, 4),
        "items": [{"name": rng.choice(WORDS), "note": _sentence(rng)} for _ in range(40)],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")


def make_html(rng: random.Random, path: Path) -> None:
    paras = "".join(f"<p>{p}</p>" for p in _paragraphs(rng, 5))
    path.write_text(
        f"<html><head><title>{_sentence(rng, 3)}</title><script>var x = 1;</script></head>"
        f"<body>{paras}</body></html>",
        encoding="utf-8",
    )


def make_pdf_text(rng: random.Random, path: Path) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    pdf.set_title(_sentence(rng, 3))
    for _ in range(3):
        pdf.add_page()
        pdf.multi_cell(0, 6, "\n\n".join(_paragraphs(rng, 3)))
    pdf.output(str(path))


def make_pdf_scan(rng: random.Random, path: Path) -> None:
    buf = io.BytesIO()
    _text_image(rng, lines=8, size=(1654, 1100)).save(buf, format="PNG")
    pdf = FPDF()
    pdf.add_page()
    buf.seek(0)
    pdf.image(buf, x=0, y=0, w=210)
    pdf.output(str(path))


def make_png_text(rng: random.Random, path: Path) -> None:
    _text_image(rng).save(path, format="PNG")


def make_jpeg_photo(rng: random.Random, path: Path) -> None:
    image = Image.radial_gradient("L").resize((2400, 1600)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randint(0, 2300), rng.randint(0, 1500)
        draw.rectangle((x, y, x + 100, y + 80), fill=(rng.randint(0, 255),) * 3)
    image.save(path, format="JPEG", quality=90)


def make_docx(rng: random.Random, path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.core_properties.title = _sentence(rng, 3)
    for paragraph in _paragraphs(rng, 6):
        doc.add_paragraph(paragraph)
    doc.save(str(path))


def make_xlsx(rng: random.Random, path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["item", "amount", "note"])
    for _ in range(100):
        ws.append([rng.choice(WORDS), rng.randint(1, 999), _sentence(rng, 4)])
    wb.save(str(path))


def make_mp4(rng: random.Random, path: Path) -> None:
    pattern = rng.choice(["testsrc", "testsrc2", "smptebars", "rgbtestsrc"])
    seconds = rng.choice([2, 3])
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"{pattern}=size=640x360:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=frequency={rng.randint(200, 900)}:duration={seconds}",
            "-shortest",
            "-c:v",
            "mpeg4",
            "-q:v",
            "5",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
        timeout=60,
    )


MAKERS: dict[str, tuple[str, Callable[[random.Random, Path], None]]] = {
    "txt": (".txt", make_txt),
    "md": (".md", make_md),
    "csv": (".csv", make_csv),
    "json": (".json", make_json),
    "html": (".html", make_html),
    "pdf-text": (".pdf", make_pdf_text),
    "pdf-scan": (".pdf", make_pdf_scan),
    "png-text": (".png", make_png_text),
    "jpeg-photo": (".jpg", make_jpeg_photo),
    "docx": (".docx", make_docx),
    "xlsx": (".xlsx", make_xlsx),
    "mp4": (".mp4", make_mp4),
}


def build_corpus(directory: Path, count: int, seed: int = 7) -> list[CorpusFile]:
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    kinds = list(MAKERS)
    files = []
    for index in range(count):
        kind = kinds[index % len(kinds)]
        suffix, maker = MAKERS[kind]
        path = directory / f"{index:03d}-{kind}{suffix}"
        maker(rng, path)
        files.append(CorpusFile(path.name, kind, path))
    return files
