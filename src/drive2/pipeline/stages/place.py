"""Stage: the place a photo was taken, named in English and Thai, from its GPS position.

Optional and safe: a picture without GPS is not this stage's business (it does not apply);
a bad GPS tag (0, 0; out of range; not a number; no N/S or E/W reference) or a position far
from any known place is skipped with the reason, and the file completes.
"""

from __future__ import annotations

from drive2.domain.places import gps_position, name_place
from drive2.pipeline.context import ProcessingContext
from drive2.pipeline.stage import StageSkipped
from drive2.ports.geocoder import ReverseGeocoder


class PlaceStage:
    name = "place"
    optional = True

    def __init__(self, geocoder: ReverseGeocoder) -> None:
        self.geocoder = geocoder

    def applies(self, ctx: ProcessingContext) -> bool:
        return gps_position(ctx.metadata.get("gps")) is not None

    def run(self, ctx: ProcessingContext) -> None:
        ctx.metadata.pop("place", None)
        position = gps_position(ctx.metadata.get("gps"))
        if isinstance(position, str):
            raise StageSkipped(position)
        assert position is not None
        found = self.geocoder.nearest(*position)
        if found is None:
            latitude, longitude = position
            raise StageSkipped(
                f"no known place near {latitude:.4f}, {longitude:.4f} (open sea or wilderness)"
            )
        ctx.metadata["place"] = name_place(found).as_dict()
