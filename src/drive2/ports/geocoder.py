"""Reverse geocoding: the nearest known place to a latitude and longitude, offline."""

from __future__ import annotations

from typing import Protocol

from drive2.domain.places import NearbyPlace


class ReverseGeocoder(Protocol):
    #: Names the data behind the answers, for the metadata ("geonames-cities1000").
    source: str

    def nearest(self, latitude: float, longitude: float) -> NearbyPlace | None:
        """The nearest known place, or None when there is none within the geocoder's reach
        (the open sea). Raises on a broken data set, never for a valid coordinate."""
        ...
