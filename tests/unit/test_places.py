"""Place names from GPS (issue 14): the English/Thai data table is complete, the offline
geocoder finds the right place on the real GeoNames data, and bad GPS is refused with a
reason."""

from __future__ import annotations

import gzip
import json
import math
import re

import pytest

from drive2.adapters.places.geonames import GeoNamesGeocoder, packaged_data_path
from drive2.domain.places import (
    NULL_ISLAND_REASON,
    NearbyPlace,
    Place,
    coordinate_problem,
    gps_position,
    name_place,
    place_names,
)
from tests.support.pictures import AREZZO, BANGKOK, CHIANG_MAI, PHUKET, TOKYO, Spot

THAI = re.compile(r"^[\u0e00-\u0e7f][\u0e00-\u0e7f ,.\-()]*$")


@pytest.fixture(scope="module")
def geonames_rows() -> list[dict[str, object]]:
    with gzip.open(packaged_data_path()) as handle:
        rows: list[dict[str, object]] = json.loads(handle.read())
    return rows


@pytest.fixture(scope="module")
def geocoder() -> GeoNamesGeocoder:
    return GeoNamesGeocoder(max_distance_km=100)


# --- the data table --------------------------------------------------------------------------


def test_every_thai_province_has_its_thai_name() -> None:
    provinces = place_names()["provinces"]
    assert len(provinces) == 77
    codes = {p["code"] for p in provinces}
    assert len(codes) == 77 and all(re.fullmatch(r"TH-\d\d", c) for c in codes)
    for province in provinces:
        assert THAI.match(province["th"]), province
        assert province["en"] and province["geonames"]
    by_code = {p["code"]: p["th"] for p in provinces}
    assert by_code["TH-10"] == "กรุงเทพมหานคร"
    assert by_code["TH-50"] == "เชียงใหม่"
    assert by_code["TH-83"] == "ภูเก็ต"
    assert by_code["TH-38"] == "บึงกาฬ"  # the newest province (2011)


def test_every_iso_country_has_an_english_and_a_thai_name() -> None:
    countries = place_names()["countries"]
    # ISO 3166-1 has 249 codes; GeoNames also uses XK (Kosovo).
    assert len(countries) == 250
    assert all(re.fullmatch(r"[A-Z]{2}", code) for code in countries)
    for code, names in countries.items():
        assert names["en"] and THAI.match(names["th"]), (code, names)
    assert countries["IT"] == {"en": "Italy", "th": "อิตาลี"}
    assert countries["JP"]["th"] == "ญี่ปุ่น"
    assert countries["TH"]["th"] == "ไทย"
    assert countries["US"]["th"] == "สหรัฐอเมริกา"


def test_the_table_covers_the_geocoder_data(geonames_rows: list[dict[str, object]]) -> None:
    """Every country in the data is named, every Thai province in it maps to one of the 77,
    and every Thai locality in the table is a place the geocoder can answer with."""
    countries = place_names()["countries"]
    assert {str(r["country_code"]) for r in geonames_rows} <= set(countries)
    thai = [r for r in geonames_rows if r["country_code"] == "TH"]
    spellings = {g for p in place_names()["provinces"] for g in p["geonames"]}
    assert {str(r["state"]) for r in thai} == spellings
    names = {str(r["city"]) for r in thai}
    localities = place_names()["localities_th"]
    assert set(localities) <= names, set(localities) - names
    assert all(THAI.match(value) for value in localities.values())
    # Bangkok's 50 districts are all there (GeoNames has a place for each).
    bangkok = {str(r["city"]) for r in thai if r["state"] == "Bangkok"}
    assert bangkok <= set(localities)


# --- naming --------------------------------------------------------------------------------


def test_a_thai_place_is_named_in_both_languages() -> None:
    place = name_place(NearbyPlace("Chiang Mai", "Chiang Mai", "TH", 0.2))
    assert place.as_dict() == {
        "name": "Chiang Mai",
        "name_th": "เชียงใหม่",
        "admin1": "Chiang Mai",
        "admin1_th": "เชียงใหม่",
        "country": "Thailand",
        "country_th": "ไทย",
        "country_code": "TH",
    }
    assert place.english() == "Chiang Mai, Thailand"
    assert place.thai() == "เชียงใหม่ ประเทศไทย"
    assert place.tags() == ["chiang mai", "เชียงใหม่", "thailand", "ไทย"]


def test_a_district_a_capital_and_an_unlisted_village() -> None:
    district = name_place(NearbyPlace("Bang Rak", "Bangkok", "TH", 1.0))
    assert (district.name_th, district.admin1_th) == ("บางรัก", "กรุงเทพมหานคร")
    assert district.thai() == "บางรัก กรุงเทพมหานคร ประเทศไทย"
    capital = name_place(NearbyPlace("Mueang Nonthaburi", "Nonthaburi", "TH", 1.0))
    assert capital.name_th == "เมืองนนทบุรี"
    spelled = name_place(NearbyPlace("Buri Ram", "Buriram", "TH", 1.0))
    assert (spelled.name_th, spelled.admin1, spelled.admin1_th) == (
        "บุรีรัมย์",
        "Buriram",
        "บุรีรัมย์",
    )
    village = name_place(NearbyPlace("Ban Nong Waeng", "Khon Kaen", "TH", 3.0))
    assert village.name_th is None and village.admin1_th == "ขอนแก่น"
    assert village.thai() == "Ban Nong Waeng ขอนแก่น ประเทศไทย"


def test_a_place_abroad_has_the_country_in_thai() -> None:
    place = name_place(NearbyPlace("Arezzo", "Tuscany", "IT", 0.6))
    assert (place.name, place.admin1, place.country, place.country_th) == (
        "Arezzo",
        "Tuscany",
        "Italy",
        "อิตาลี",
    )
    assert place.name_th is None and place.admin1_th is None
    assert place.english() == "Arezzo, Tuscany, Italy"
    assert place.thai() == "Arezzo ประเทศอิตาลี"
    assert "อิตาลี" in place.tags() and "italy" in place.tags()
    assert Place.from_dict(place.as_dict()) == place


@pytest.mark.parametrize(
    ("spot", "name", "admin1", "admin1_th", "country", "country_th"),
    [
        (CHIANG_MAI, "Chiang Mai", "Chiang Mai", "เชียงใหม่", "Thailand", "ไทย"),
        (BANGKOK, None, "Bangkok", "กรุงเทพมหานคร", "Thailand", "ไทย"),
        (PHUKET, None, "Phuket", "ภูเก็ต", "Thailand", "ไทย"),
        (AREZZO, "Arezzo", "Tuscany", None, "Italy", "อิตาลี"),
        (TOKYO, None, "Tokyo", None, "Japan", "ญี่ปุ่น"),
    ],
)
def test_the_geocoder_finds_real_places(
    geocoder: GeoNamesGeocoder,
    spot: Spot,
    name: str | None,
    admin1: str,
    admin1_th: str | None,
    country: str,
    country_th: str,
) -> None:
    found = geocoder.nearest(spot.latitude, spot.longitude)
    assert found is not None and found.distance_km < 10
    place = name_place(found)
    if name:
        assert place.name == name
    assert (place.admin1, place.admin1_th) == (admin1, admin1_th)
    assert (place.country, place.country_th) == (country, country_th)
    if place.country_code == "TH":
        assert place.name_th, place  # Bangkok's districts and Phuket's towns are in Thai


def test_the_geocoder_measures_on_the_sphere(geocoder: GeoNamesGeocoder) -> None:
    """Across the antimeridian the nearest place is the one nearest on Earth: Labasa (Fiji,
    179.4° E) 80 km away, not Tubou (178.8° W, ~200 km), which a k-d tree over raw degrees
    (the reverse-geocode package's own query) answers; the open sea has no place."""
    found = geocoder.nearest(-16.80, -179.99)
    assert found is not None and found.name == "Labasa" and found.distance_km < 100
    assert geocoder.nearest(10.0, -140.0) is None  # the middle of the Pacific
    assert geocoder.nearest(-60.0, 0.0) is None  # the Southern Ocean


# --- bad GPS -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "reason"),
    [
        (0.0, 0.0, NULL_ISLAND_REASON),
        (91.0, 10.0, "the GPS latitude 91 is out of range"),
        (10.0, -180.5, "the GPS longitude -180.5 is out of range"),
        (math.nan, 10.0, "the GPS latitude is not a number"),
        (10.0, math.inf, "the GPS longitude is not a number"),
        ("13.7", 100.5, "the GPS latitude is missing or not a number"),
        (None, 100.5, "the GPS latitude is missing or not a number"),
    ],
)
def test_bad_coordinates_are_refused_with_a_reason(
    latitude: object, longitude: object, reason: str
) -> None:
    assert coordinate_problem(latitude, longitude) == reason
    assert gps_position({"latitude": latitude, "longitude": longitude}) == reason


def test_gps_position_reads_the_metadata_section() -> None:
    assert gps_position(None) is None
    assert gps_position({"altitude_m": 12.0}) is None  # no position recorded: nothing to do
    assert gps_position({"latitude": 18.79, "longitude": 98.98}) == (18.79, 98.98)
    problem = "the GPS latitude has no N/S reference"
    assert gps_position({"problem": problem}) == problem
