"""Offline reverse geocoders compared (issue 14): right country and province on 42 known
points, load time, memory and ms per lookup, each in its own process.

    .venv/bin/python bench/geocoders.py

Candidates: the `reverse-geocode` package's own query, `reverse-geocoder` (when installed:
it is not a Drive2 dependency; `pip install reverse-geocoder` to compare), and Drive2's
adapter (reverse-geocode's data on a unit-sphere k-d tree). The points are capitals, Thai
provinces and border towns, islands, and places near the poles and the antimeridian.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: (latitude, longitude, country code, a word of the expected province or state).
POINTS = [
    (13.7563, 100.5018, "TH", "Bangkok"), (18.7883, 98.9853, "TH", "Chiang Mai"),
    (7.8961, 98.2964, "TH", "Phuket"), (7.0086, 100.4747, "TH", "Songkhla"),
    (12.9236, 100.8825, "TH", "Chon Buri"), (12.5684, 99.9577, "TH", "Prachuap"),
    (9.5120, 100.0136, "TH", "Surat Thani"), (20.4290, 99.8830, "TH", "Chiang Rai"),
    (17.8783, 102.7420, "TH", "Nong Khai"), (14.3532, 100.5684, "TH", "Ayutthaya"),
    (16.4322, 102.8236, "TH", "Khon Kaen"), (8.0863, 98.9063, "TH", "Krabi"),
    (17.9757, 102.6331, "LA", "Vientiane"), (11.5564, 104.9282, "KH", "Phnom Penh"),
    (16.8409, 96.1735, "MM", "Yangon"), (1.3521, 103.8198, "SG", ""),
    (3.1390, 101.6869, "MY", "Kuala Lumpur"), (21.0278, 105.8342, "VN", "Ha"),
    (43.4674, 11.8851, "IT", "Tuscany"), (41.9029, 12.4534, "VA", ""),
    (35.6762, 139.6503, "JP", "Tokyo"), (34.6937, 135.5023, "JP", "Osaka"),
    (37.5665, 126.9780, "KR", "Seoul"), (22.3193, 114.1694, "HK", ""),
    (25.0330, 121.5654, "TW", "Tai"), (39.9042, 116.4074, "CN", "Beijing"),
    (48.8566, 2.3522, "FR", "le-de-France"), (51.5074, -0.1278, "GB", "England"),
    (52.52, 13.405, "DE", "Berlin"), (40.4168, -3.7038, "ES", "Madrid"),
    (46.2044, 6.1432, "CH", "Geneva"), (64.1466, -21.9426, "IS", ""),
    (78.2232, 15.6267, "SJ", ""), (40.7128, -74.0060, "US", "New York"),
    (37.7749, -122.4194, "US", "California"), (-33.8688, 151.2093, "AU", "New South Wales"),
    (-16.80, -179.99, "FJ", ""), (-17.7134, 178.065, "FJ", ""),
    (-22.9068, -43.1729, "BR", "Rio de Janeiro"), (30.0444, 31.2357, "EG", ""),
    (-1.2921, 36.8219, "KE", "Nairobi"), (19.4326, -99.1332, "MX", ""),
]  # fmt: skip

CHILD = r"""
import gc, json, sys, time, psutil
points = json.loads(sys.argv[2])
which = sys.argv[1]
process = psutil.Process()
import numpy, scipy.spatial  # both candidates need them: not counted
gc.collect(); before = process.memory_info().rss
start = time.perf_counter()
if which == "reverse_geocode":
    import reverse_geocode
    reverse_geocode.get((0.0, 0.0))
    def find(lat, lon):
        r = reverse_geocode.get((lat, lon))
        return r["country_code"], r.get("state") or "", r["city"]
elif which == "reverse_geocoder":
    import reverse_geocoder
    geocoder = reverse_geocoder.RGeocoder(mode=1, verbose=False)
    def find(lat, lon):
        r = geocoder.query([(lat, lon)])[0]
        return r["cc"], r["admin1"], r["name"]
else:
    from drive2.adapters.places.geonames import GeoNamesGeocoder
    geocoder = GeoNamesGeocoder(max_distance_km=1e9)
    geocoder.index
    def find(lat, lon):
        r = geocoder.nearest(lat, lon)
        return r.country_code, r.admin1 or "", r.name
load = time.perf_counter() - start
gc.collect(); memory = (process.memory_info().rss - before) / 2**20
right, wrong, times = 0, [], []
for lat, lon, country, province in points:
    start = time.perf_counter()
    code, admin1, name = find(lat, lon)
    times.append(time.perf_counter() - start)
    if code == country and province.lower() in admin1.lower():
        right += 1
    else:
        wrong.append([lat, lon, country, province, code, admin1, name])
times.sort()
print(json.dumps({"right": right, "wrong": wrong, "load_s": load, "memory_mb": memory,
                  "lookup_ms": times[len(times) // 2] * 1000}))
"""


def main() -> None:
    print(f"{len(POINTS)} points")
    for which in ("reverse_geocode", "reverse_geocoder", "drive2"):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, which, json.dumps(POINTS)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            print(f"{which:17s} not measured: {last}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{which:17s} {r['right']}/{len(POINTS)} right, load {r['load_s']:.1f} s, "
            f"+{r['memory_mb']:.0f} MB, lookup {r['lookup_ms']:.3f} ms"
        )
        for miss in r["wrong"]:
            print(f"{'':19s}wrong: {miss}")


if __name__ == "__main__":
    main()
