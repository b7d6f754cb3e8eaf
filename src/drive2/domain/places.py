"""Place names in English and Thai for the nearest known place to a photo's GPS position.

A geocoder finds the nearest place (its English name, province or state, and country code);
this module names it in both languages from a data table kept in the repository
(data/place_names.json: every ISO 3166-1 country with its Thai name, Thailand's 77 provinces
with their Thai names, and Bangkok's districts and Thailand's main towns in Thai).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

THAILAND = "TH"
#: GPS that makes no sense is left out with a reason, never guessed at.
NULL_ISLAND_REASON = "the GPS position is 0, 0 (what a device without a fix writes)"
#: Thai country names that read wrong after "ประเทศ" (country): they say what they are.
_NO_COUNTRY_WORD = ("ประเทศ", "สาธารณรัฐ", "สหพันธรัฐ", "หมู่เกาะ", "เกาะ", "นคร", "ราช")


@dataclass(frozen=True)
class NearbyPlace:
    """What a reverse geocoder finds: the nearest known place, in English."""

    name: str
    admin1: str | None
    country_code: str
    distance_km: float


@dataclass(frozen=True)
class Place:
    name: str
    name_th: str | None
    admin1: str | None
    admin1_th: str | None
    country: str
    country_th: str | None
    country_code: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "name_th": self.name_th,
            "admin1": self.admin1,
            "admin1_th": self.admin1_th,
            "country": self.country,
            "country_th": self.country_th,
            "country_code": self.country_code,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Place | None:
        name, country, code = data.get("name"), data.get("country"), data.get("country_code")
        if not (isinstance(name, str) and isinstance(country, str) and isinstance(code, str)):
            return None

        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) and value else None

        return cls(
            name=name,
            name_th=text("name_th"),
            admin1=text("admin1"),
            admin1_th=text("admin1_th"),
            country=country,
            country_th=text("country_th"),
            country_code=code,
        )

    def english(self) -> str:
        """ "Chiang Mai, Thailand"; "Arezzo, Tuscany, Italy": a province the name does not
        already say is kept."""
        parts = [self.name]
        if self.admin1 and _key(self.admin1) not in _key(self.name):
            parts.append(self.admin1)
        parts.append(self.country)
        return ", ".join(parts)

    def thai(self) -> str | None:
        """ "เชียงใหม่ ประเทศไทย", "Arezzo ประเทศอิตาลี" (a place with no Thai name keeps its
        own); None when the country has no Thai name."""
        if not self.country_th:
            return None
        parts = [p for p in (self.name_th or self.name, self.admin1_th) if p]
        parts = [p for i, p in enumerate(parts) if not any(p in q for q in parts[:i])]
        country = self.country_th
        if not country.startswith(_NO_COUNTRY_WORD):
            country = "ประเทศ" + country
        return " ".join([*parts, country])

    def tags(self) -> list[str]:
        """The place's names in English and Thai, most precise first, and the short names
        people search by ("กรุงเทพ" for กรุงเทพมหานคร)."""
        found = [self.name, self.name_th, self.admin1, self.admin1_th]
        if self.country_code == THAILAND:
            found += province_aliases(self.admin1)
        found += [self.country, self.country_th]
        seen: list[str] = []
        for value in found:
            if value and value.lower() not in seen:
                seen.append(value.lower())
        return seen


# --- GPS sanity ------------------------------------------------------------------------------


def coordinate_problem(latitude: object, longitude: object) -> str | None:
    """Why this latitude/longitude is no position on Earth, or None when it is one."""
    for label, value, limit in (("latitude", latitude, 90.0), ("longitude", longitude, 180.0)):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"the GPS {label} is missing or not a number"
        if not math.isfinite(value):
            return f"the GPS {label} is not a number"
        if abs(value) > limit:
            return f"the GPS {label} {value:g} is out of range"
    assert isinstance(latitude, int | float) and isinstance(longitude, int | float)
    if abs(latitude) < 1e-6 and abs(longitude) < 1e-6:
        return NULL_ISLAND_REASON
    return None


def gps_position(gps: object) -> tuple[float, float] | str | None:
    """(latitude, longitude) from metadata's gps section; a reason when it holds a bad one;
    None when the picture has no GPS position at all."""
    if not isinstance(gps, Mapping):
        return None
    problem = gps.get("problem")
    if isinstance(problem, str) and problem:
        return problem
    latitude, longitude = gps.get("latitude"), gps.get("longitude")
    if latitude is None and longitude is None:
        return None
    reason = coordinate_problem(latitude, longitude)
    if reason:
        return reason
    return float(latitude), float(longitude)  # type: ignore[arg-type]


# --- names -----------------------------------------------------------------------------------


@cache
def place_names() -> dict[str, Any]:
    """The data table (read once per process)."""
    text = resources.files("drive2.domain").joinpath("data/place_names.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _key(value: str) -> str:
    lowered = value.lower().replace("province", "")
    return re.sub(r"[^a-z]", "", lowered)


@cache
def _provinces() -> dict[str, dict[str, Any]]:
    """Thai provinces by every spelling: ISO's, GeoNames', the English one."""
    found: dict[str, dict[str, Any]] = {}
    for province in place_names()["provinces"]:
        for spelling in [province["en"], province["iso_name"], *province["geonames"]]:
            found[_key(spelling)] = province
    return found


def country_names(code: str) -> tuple[str, str | None]:
    """(English, Thai) name of an ISO 3166-1 alpha-2 code; the code itself when unknown."""
    entry = place_names()["countries"].get(code.upper())
    if not entry:
        return code.upper(), None
    return str(entry["en"]), str(entry["th"])


def thai_province(admin1: str | None) -> tuple[str, str] | None:
    """(English, Thai) name of a Thai province from any of its spellings."""
    if not admin1:
        return None
    province = _provinces().get(_key(admin1))
    return (str(province["en"]), str(province["th"])) if province else None


def province_aliases(admin1: str | None) -> list[str]:
    """Short or older names of a Thai province ("Korat", "โคราช")."""
    province = _provinces().get(_key(admin1)) if admin1 else None
    return list(province.get("aliases", [])) if province else []


def thai_locality(name: str, province_th: str | None) -> str | None:
    """The Thai name of a place in Thailand: from the table, or the province's own name for
    its capital ("Chiang Mai", "Mueang Nonthaburi")."""
    listed = place_names()["localities_th"].get(name)
    if listed:
        return str(listed)
    province = thai_province(name)
    if province:
        return province[1]
    if name.startswith("Mueang "):
        capital = thai_province(name.removeprefix("Mueang "))
        if capital:
            return "เมือง" + capital[1]
    return province_th if province_th and _key(name) == "" else None


def name_place(found: NearbyPlace) -> Place:
    """The English and Thai names of what a geocoder found."""
    code = found.country_code.upper()
    country, country_th = country_names(code)
    admin1, admin1_th = found.admin1 or None, None
    name_th = None
    if code == THAILAND:
        province = thai_province(found.admin1)
        if province:
            admin1, admin1_th = province
        name_th = thai_locality(found.name, admin1_th)
    return Place(
        name=found.name,
        name_th=name_th,
        admin1=admin1,
        admin1_th=admin1_th,
        country=country,
        country_th=country_th,
        country_code=code,
    )
