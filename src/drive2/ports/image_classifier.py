"""Image classification: what is in a picture, as ImageNet-1k class probabilities."""

from __future__ import annotations

from typing import Protocol

from PIL import Image


class ImageClassifier(Protocol):
    model_name: str

    def classify(self, image: Image.Image, top: int = 20) -> list[tuple[int, float]]:
        """The `top` most likely (ImageNet class index, probability) pairs of an upright RGB
        image, best first. Loads the model on first use (once per process)."""
        ...
