"""Pictures made in code for the issue-14 tests: real photos (public-domain pictures inside
scikit-image's wheel) with real EXIF written by piexif (camera, date taken, GPS), phone
screenshots and photos of paper documents with English and Thai text rendered in the tlwg
fonts."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import piexif
from PIL import Image, ImageDraw, ImageFilter, ImageFont

DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
THAI_FONT = Path("/usr/share/fonts/truetype/tlwg/Garuda.ttf")
THAI_BOLD = Path("/usr/share/fonts/truetype/tlwg/Garuda-Bold.ttf")

#: Real photos that ship inside scikit-image's wheel (public domain, see its data README).
SKIMAGE_PHOTOS = {
    "cat": "chelsea.png",
    "coffee": "coffee.png",
    "rocket": "rocket.jpg",
    "motorcycle": "motorcycle_left.png",
    "camera": "camera.png",
    "astronaut": "astronaut.png",
}


@dataclass(frozen=True)
class Spot:
    name: str
    latitude: float
    longitude: float


#: Where the test photos were "taken".
CHIANG_MAI = Spot("Chiang Mai old city", 18.7883, 98.9853)
BANGKOK = Spot("Bangkok, the Grand Palace", 13.7500, 100.4913)
PHUKET = Spot("Phuket Town", 7.8804, 98.3923)
AREZZO = Spot("Arezzo, Piazza Grande", 43.467448, 11.885127)
TOKYO = Spot("Tokyo, Shibuya", 35.6595, 139.7005)


def skimage_photo(subject: str) -> Image.Image:
    """A real photo from scikit-image's data folder (no download: it is in the wheel)."""
    from skimage import data_dir

    with Image.open(Path(data_dir) / SKIMAGE_PHOTOS[subject]) as img:
        return img.convert("RGB")


def _rational(value: float, denominator: int) -> tuple[int, int]:
    return round(value * denominator), denominator


def dms(degrees: float) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Unsigned decimal degrees as EXIF's (degrees, minutes, seconds) rationals."""
    value = abs(degrees)
    whole = int(value)
    minutes_float = (value - whole) * 60
    minutes = int(minutes_float)
    seconds = (minutes_float - minutes) * 60
    return (whole, 1), (minutes, 1), _rational(seconds, 10000)


def gps_ifd(
    latitude: float,
    longitude: float,
    *,
    refs: bool = True,
    utc: tuple[str, tuple[int, int, int]] | None = None,
) -> dict[int, Any]:
    """A GPS IFD; `refs=False` leaves out N/S and E/W; `utc` adds the GPS date and time
    ("2024:04:13", (8, 20, 0))."""
    found: dict[int, Any] = {
        piexif.GPSIFD.GPSLatitude: dms(latitude),
        piexif.GPSIFD.GPSLongitude: dms(longitude),
    }
    if refs:
        found[piexif.GPSIFD.GPSLatitudeRef] = b"N" if latitude >= 0 else b"S"
        found[piexif.GPSIFD.GPSLongitudeRef] = b"E" if longitude >= 0 else b"W"
    if utc:
        day, (h, m, s) = utc
        found[piexif.GPSIFD.GPSDateStamp] = day.encode()
        found[piexif.GPSIFD.GPSTimeStamp] = ((h, 1), (m, 1), (s, 1))
    return found


def exif_bytes(
    *,
    taken: str | None = "2024:04:13 15:20:00",
    offset: str | None = None,
    gps: dict[int, Any] | None = None,
    camera: bool = True,
) -> bytes:
    zeroth: dict[int, Any] = {}
    sub: dict[int, Any] = {}
    if camera:
        zeroth = {piexif.ImageIFD.Make: b"Apple", piexif.ImageIFD.Model: b"iPhone 15"}
        sub = {piexif.ExifIFD.ExposureTime: (1, 120), piexif.ExifIFD.FNumber: (16, 10)}
    if taken:
        sub[piexif.ExifIFD.DateTimeOriginal] = taken.encode()
    if offset:
        sub[piexif.ExifIFD.OffsetTimeOriginal] = offset.encode()
    return bytes(piexif.dump({"0th": zeroth, "Exif": sub, "GPS": gps or {}}))


def photo_jpeg(
    subject: str,
    spot: Spot | None = None,
    *,
    taken: str | None = "2024:04:13 15:20:00",
    offset: str | None = None,
    gps: dict[int, Any] | None = None,
    camera: bool = True,
    scale: float = 1.0,
) -> bytes:
    """A real photo as a camera JPEG: camera EXIF, date taken and the GPS of `spot`."""
    img = skimage_photo(subject)
    if scale != 1.0:
        img = img.resize((round(img.width * scale), round(img.height * scale)))
    if gps is None and spot is not None:
        gps = gps_ifd(spot.latitude, spot.longitude)
    buf = io.BytesIO()
    img.save(
        buf, "JPEG", quality=92, exif=exif_bytes(taken=taken, offset=offset, gps=gps, camera=camera)
    )
    return buf.getvalue()


def _font(path: Path, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size)


SCREENSHOT_LINES = (
    ("Anna", "The train to Chiang Mai leaves at 8:30 tomorrow morning"),
    ("Me", "Great, I booked two seats in the sleeper car"),
    ("Anna", "พรุ่งนี้เจอกันที่สถานีรถไฟหัวลำโพงนะ"),
    ("Me", "ได้เลย แล้วเจอกันตอนเจ็ดโมงครึ่ง"),
    ("Anna", "Please bring the tickets and your passport"),
)


def screenshot_png(size: tuple[int, int] = (1170, 2532), jpeg: bool = False) -> bytes:
    """A phone chat screenshot: status bar, coloured header, chat bubbles of English and Thai
    text on a flat background. `jpeg`: as a chat app re-sends it (JPEG, no EXIF)."""
    width, height = size
    img = Image.new("RGB", size, (236, 229, 221))
    draw = ImageDraw.Draw(img)
    scale = width / 1170
    draw.rectangle((0, 0, width, int(140 * scale)), fill=(7, 94, 84))
    draw.rectangle((0, int(140 * scale), width, int(300 * scale)), fill=(18, 140, 126))
    draw.text(
        (int(60 * scale), int(190 * scale)), "Anna", font=_font(DEJAVU_BOLD, int(60 * scale)),
        fill="white",
    )  # fmt: skip
    y = int(360 * scale)
    for who, line in SCREENSHOT_LINES:
        font = _font(THAI_FONT if any("\u0e00" <= c <= "\u0e7f" for c in line) else DEJAVU_SANS,
                     int(40 * scale))  # fmt: skip
        words, rows, row = line.split(" "), [], ""
        for word in words:
            trial = f"{row} {word}".strip()
            if font.getlength(trial) > width * 0.62 and row:
                rows.append(row)
                row = word
            else:
                row = trial
        rows.append(row)
        box_w = int(max(font.getlength(r) for r in rows) + 70 * scale)
        box_h = int(len(rows) * 58 * scale + 50 * scale)
        left = int(40 * scale) if who != "Me" else width - box_w - int(40 * scale)
        colour = (255, 255, 255) if who != "Me" else (220, 248, 198)
        draw.rounded_rectangle((left, y, left + box_w, y + box_h), 24, fill=colour)
        for i, r in enumerate(rows):
            draw.text((left + int(35 * scale), y + int(25 * scale + i * 58 * scale)), r,
                      font=font, fill=(20, 20, 20))  # fmt: skip
        y += box_h + int(40 * scale)
    draw.rectangle((0, height - int(170 * scale), width, height), fill=(246, 246, 246))
    buf = io.BytesIO()
    if jpeg:
        img.save(buf, "JPEG", quality=80)
    else:
        img.save(buf, "PNG")
    return buf.getvalue()


RECEIPT_LINES = (
    ("ร้านกาแฟ ดอยช้าง สาขานิมมาน", True),
    ("ใบเสร็จรับเงิน / RECEIPT", True),
    ("Date 13/04/2024  Time 15:20", False),
    ("Americano hot          2 x 65.00", False),
    ("Banana cake            1 x 85.00", False),
    ("ค่าบริการ                        0.00", True),
    ("Total                        215.00", False),
    ("ขอบคุณที่ใช้บริการ Thank you", True),
)


def document_photo_jpeg(
    lines: tuple[tuple[str, bool], ...] = RECEIPT_LINES,
    *,
    camera: bool = True,
    spot: Spot | None = None,
    seed: int = 7,
) -> bytes:
    """A photo of a paper receipt lying on a wooden table: off-white paper with printed
    English and Thai text, slightly turned, lit unevenly, with sensor noise and camera EXIF."""
    rng = random.Random(seed)
    size = 30
    fonts = {True: _font(THAI_FONT, size), False: _font(DEJAVU_SANS, size)}
    paper_w = max(int(fonts[t].getlength(s)) for s, t in lines) + 120
    paper_h = len(lines) * 56 + 140
    paper = Image.new("RGB", (paper_w, paper_h), (246, 243, 235))
    draw = ImageDraw.Draw(paper)
    for i, (line, thai) in enumerate(lines):
        draw.text((60, 70 + i * 56), line, font=fonts[thai], fill=(30, 30, 35))
    paper = paper.rotate(rng.uniform(-3, 3), expand=True, fillcolor=(120, 84, 52))
    table = Image.new("RGB", (paper.width + 160, paper.height + 160), (120, 84, 52))
    grain = ImageDraw.Draw(table)
    for _ in range(400):
        y = rng.randrange(table.height)
        shade = rng.randrange(100, 140)
        grain.line((0, y, table.width, y + rng.randrange(-8, 8)), fill=(shade, shade - 35, 40))
    table.paste(paper, (80, 80))  # turned with the table's colour in its corners
    noise = Image.effect_noise(table.size, 12).convert("RGB")
    photo = Image.blend(table, noise, 0.06).filter(ImageFilter.GaussianBlur(0.6))
    gps = gps_ifd(spot.latitude, spot.longitude) if spot else None
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=88, exif=exif_bytes(gps=gps, camera=camera))
    return buf.getvalue()
