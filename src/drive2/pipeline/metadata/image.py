"""Image facts: dimensions and format, EXIF camera fields, GPS as signed decimal degrees.

EXIF is written by thousands of devices and edited by as many tools: every value is read
defensively (zero denominators, bytes where text belongs, tuples where numbers belong) and a
value that makes no sense is left out rather than failing the file.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import ExifTags, Image

from drive2.domain.places import NULL_ISLAND_REASON
from drive2.pipeline.imaging import open_image
from drive2.pipeline.metadata import compact

log = logging.getLogger(__name__)

# Tags by number (Pillow's ExifTags.Base names them; numbers keep this module explicit).
_MAKE, _MODEL, _ORIENTATION = 0x010F, 0x0110, 0x0112
_EXPOSURE_TIME, _F_NUMBER, _ISO = 0x829A, 0x829D, 0x8827
_DATE_ORIGINAL, _DATE_DIGITIZED = 0x9003, 0x9004
_OFFSET_ORIGINAL, _OFFSET_DIGITIZED = 0x9011, 0x9012
_FOCAL_LENGTH, _LENS_MODEL = 0x920A, 0xA434
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON, _GPS_ALT_REF, _GPS_ALT = 1, 2, 3, 4, 5, 6
_GPS_TIME, _GPS_DATE = 7, 29
#: Time zones run from UTC-12 to UTC+14, in steps of 15 minutes at the finest.
_MAX_OFFSET_MINUTES = 14 * 60

_MAX_TEXT = 200


def read_image_metadata(path: Path, max_pixels: int) -> dict[str, Any]:
    """{"image": ..., "exif": ... (when any), "gps": ... (when any)}.

    Raises UnsafeContentError for an image that declares too many pixels and
    PermanentProcessingError for one that cannot be opened at all.
    """
    with open_image(path, max_pixels) as img:
        result: dict[str, Any] = {"image": _image_facts(img)}
        try:
            exif = img.getexif()
            gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
            camera = _camera(exif, exif.get_ifd(ExifTags.IFD.Exif), gps_ifd)
            gps = _gps(gps_ifd)
        except Exception as exc:  # a damaged EXIF block must not cost the dimensions
            log.info("unreadable EXIF in %s: %r", path.name, exc)
            camera, gps = {}, {}
    if camera:
        result["exif"] = camera
    if gps:
        result["gps"] = gps
    return result


def _image_facts(img: Image.Image) -> dict[str, Any]:
    frames = getattr(img, "n_frames", 1)
    return compact(
        {
            "width": img.width,
            "height": img.height,
            "mode": img.mode,
            "format": img.format,
            "frames": frames if isinstance(frames, int) and frames > 0 else 1,
            "animated": bool(getattr(img, "is_animated", False)),
        }
    )


def _camera(base: Any, sub: Any, gps: Any = None) -> dict[str, Any]:
    orientation = _integer(base.get(_ORIENTATION))
    iso = _integer(sub.get(_ISO))
    f_number = _number(sub.get(_F_NUMBER))
    focal = _number(sub.get(_FOCAL_LENGTH))
    return compact(
        {
            "camera_make": _text(base.get(_MAKE)),
            "camera_model": _text(base.get(_MODEL)),
            "lens_model": _text(sub.get(_LENS_MODEL)),
            "taken_at": _taken_at(sub, gps),
            "orientation": orientation if orientation in range(1, 9) else None,
            "exposure_time": _exposure(sub.get(_EXPOSURE_TIME)),
            "f_number": round(f_number, 2) if f_number and f_number > 0 else None,
            "iso": iso if iso and iso > 0 else None,
            "focal_length_mm": round(focal, 2) if focal and focal > 0 else None,
        }
    )


def _taken_at(sub: Any, gps: Any = None) -> str | None:
    """When the photo was taken, in the camera's local time, with its UTC offset when the
    EXIF says it (OffsetTimeOriginal) or the GPS clock (UTC) shows it; without either it
    stays local time with no offset (read in TIMEZONE, Asia/Bangkok by default)."""
    for date_tag, offset_tag in (
        (_DATE_ORIGINAL, _OFFSET_ORIGINAL),
        (_DATE_DIGITIZED, _OFFSET_DIGITIZED),
    ):
        value = exif_datetime(_text(sub.get(date_tag)), _text(sub.get(offset_tag)))
        if value:
            if len(value) == 19:  # no offset recorded
                offset = _gps_offset(value, gps)
                if offset:
                    return value + offset
            return value
    return None


def _gps_offset(local: str, gps: Any) -> str | None:
    """The UTC offset of a local EXIF time, from the GPS date and time (UTC) of the same
    photo, rounded to 15 minutes; None when the GPS clock is missing or makes no sense."""
    if not gps:
        return None
    day = _text(gps.get(_GPS_DATE))
    clock = gps.get(_GPS_TIME)
    parts = list(clock) if isinstance(clock, tuple | list) else []
    numbers = [_number(p) for p in parts[:3]]
    if not day or len(numbers) != 3 or any(n is None or n < 0 for n in numbers):
        return None
    hours, minutes, seconds = (float(n) for n in numbers if n is not None)
    try:
        utc = datetime.strptime(day.strip()[:10], "%Y:%m:%d") + timedelta(
            hours=hours, minutes=minutes, seconds=seconds
        )
        taken = datetime.fromisoformat(local)
    except (ValueError, OverflowError):
        return None
    difference = round((taken - utc).total_seconds() / 900) * 15
    if abs(difference) > _MAX_OFFSET_MINUTES:
        return None  # a GPS clock from another day: no offset rather than a wrong one
    sign = "-" if difference < 0 else "+"
    return f"{sign}{abs(difference) // 60:02d}:{abs(difference) % 60:02d}"


def exif_datetime(value: str | None, offset: str | None = None) -> str | None:
    """'2024:05:01 10:20:30' (+ '+07:00') -> '2024-05-01T10:20:30+07:00'; None if invalid."""
    if not value:
        return None
    try:
        moment = datetime.strptime(value.strip()[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    iso = moment.isoformat()
    if offset:
        offset = offset.strip()
        try:
            return datetime.fromisoformat(iso + offset).isoformat()
        except ValueError:
            pass
    return iso


def _exposure(value: Any) -> str | None:
    seconds = _number(value)
    if seconds is None or seconds <= 0:
        return None
    if seconds >= 1:
        return f"{seconds:g}"
    return f"1/{round(1 / seconds)}"


def _gps(gps: Any) -> dict[str, Any]:
    """Signed decimal degrees and altitude; a position that cannot be trusted is left out
    and `problem` says why (the place stage skips with that reason)."""
    if not gps:
        return {}
    latitude, lat_problem = _coordinate(
        gps.get(_GPS_LAT), _text(gps.get(_GPS_LAT_REF)), ("N", "S"), 90, "latitude"
    )
    longitude, lon_problem = _coordinate(
        gps.get(_GPS_LON), _text(gps.get(_GPS_LON_REF)), ("E", "W"), 180, "longitude"
    )
    problem = lat_problem or lon_problem
    if latitude is None and longitude is None and problem is None:
        pass  # no position recorded at all: no problem either
    elif latitude is None or longitude is None:
        latitude = longitude = None
        problem = problem or "the GPS position has only a latitude or only a longitude"
    elif latitude == 0 and longitude == 0:
        latitude = longitude = None
        problem = NULL_ISLAND_REASON
    altitude = _number(gps.get(_GPS_ALT))
    if altitude is not None:
        below = _integer(gps.get(_GPS_ALT_REF)) == 1
        altitude = round(-altitude if below else altitude, 2)
    return compact(
        {"latitude": latitude, "longitude": longitude, "altitude_m": altitude, "problem": problem}
    )


def _coordinate(
    value: Any, ref: str | None, refs: tuple[str, str], limit: float, label: str
) -> tuple[float | None, str | None]:
    """(degrees, minutes, seconds) rationals and an N/S or E/W reference -> (signed degrees,
    None), or (None, why not); (None, None) when the tag is absent."""
    if value is None:
        return None, None
    parts = list(value) if isinstance(value, tuple | list) else [value]
    numbers = [_number(p) for p in parts[:3]]
    if not numbers or any(n is None or n < 0 for n in numbers):
        return None, f"the GPS {label} is not a number"
    side = (ref or "").strip().upper()[:1]
    if side not in refs:
        # Without N/S (E/W) the sign is a guess: a wrong hemisphere is worse than none.
        return None, f"the GPS {label} has no {'/'.join(refs)} reference"
    degrees = sum(n / (60**i) for i, n in enumerate(numbers) if n is not None)
    if side == refs[1]:
        degrees = -degrees
    if abs(degrees) > limit:
        return None, f"the GPS {label} {degrees:g} is out of range"
    return round(degrees, 6), None


def _number(value: Any) -> float | None:
    """A float from an IFDRational, a (numerator, denominator) pair, a number or text."""
    if isinstance(value, tuple | list):
        if len(value) == 2 and all(isinstance(v, int) for v in value):
            numerator, denominator = value
            return None if denominator == 0 else numerator / denominator
        return _number(value[0]) if len(value) == 1 else None
    denominator = getattr(value, "denominator", None)
    if denominator is not None and not isinstance(value, int) and denominator == 0:
        return None
    if isinstance(value, bytes):
        value = _text(value)
    try:
        result = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return result if math.isfinite(result) else None


def _integer(value: Any) -> int | None:
    if isinstance(value, bytes):
        # A BYTE-typed tag (GPSAltitudeRef is b"\x00" or b"\x01"), else digits as text.
        return value[0] if len(value) == 1 and value[0] < 10 else _integer(_text(value))
    if isinstance(value, tuple | list):
        return _integer(value[0]) if value else None
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        value = str(value)
    cleaned = value.replace("\x00", "").strip()
    return cleaned[:_MAX_TEXT] or None
