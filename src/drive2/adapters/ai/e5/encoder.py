"""multilingual-e5-small's encoder in torch, with the weights dequantised from the bundled
4-bit model file: XLM-R shaped (12 layers, 384 wide, 12 heads, GELU, post-LayerNorm), mean
pooling over every token of the input (<s> and </s> included), as the C engine computes.

The word-embedding table (250k x 384, 96M weights, 384 MB in fp32) is not part of the
module: its rows are dequantised from the shared 4-bit mapping for the tokens of each batch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from drive2.adapters.ai.e5.model_file import ModelFile, Shape


class Layer(nn.Module):
    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.heads = shape.heads
        self.qkv = nn.Linear(shape.hidden, 3 * shape.hidden)
        self.out = nn.Linear(shape.hidden, shape.hidden)
        self.attention_norm = nn.LayerNorm(shape.hidden, eps=shape.eps)
        self.up = nn.Linear(shape.hidden, shape.intermediate)
        self.down = nn.Linear(shape.intermediate, shape.hidden)
        self.output_norm = nn.LayerNorm(shape.hidden, eps=shape.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = x.shape
        q, k, v = (
            self.qkv(x)
            .view(batch, length, 3, self.heads, hidden // self.heads)
            .permute(2, 0, 3, 1, 4)
            .unbind(0)
        )
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        context = context.transpose(1, 2).reshape(batch, length, hidden)
        x = self.attention_norm(x + self.out(context))
        return self.output_norm(x + self.down(F.gelu(self.up(x))))


class Encoder(nn.Module):
    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.shape = shape
        self.positions = nn.Parameter(torch.zeros(shape.max_positions, shape.hidden))
        self.token_type = nn.Parameter(torch.zeros(shape.hidden))
        self.embedding_norm = nn.LayerNorm(shape.hidden, eps=shape.eps)
        self.layers = nn.ModuleList(Layer(shape) for _ in range(shape.layers))

    def forward(self, words: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """words: [batch, length, hidden] word embeddings (padding rows anything);
        lengths: [batch] real tokens per row. Returns the un-normalised mean of the last
        hidden states over each row's real tokens."""
        length = words.shape[1]
        real = torch.arange(length)[None, :] < lengths[:, None]
        x = self.embedding_norm(words + self.positions[:length] + self.token_type)
        mask = real[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask)
        summed = (x * real[..., None]).sum(dim=1)
        return summed / lengths[:, None].to(summed.dtype)


def state_from_model_file(model: ModelFile) -> dict[str, torch.Tensor]:
    """The encoder's parameters in fp32, read from the 4-bit file (done once, then cached)."""
    shape = model.shape
    h, ff = shape.hidden, shape.intermediate

    def floats(name: str) -> torch.Tensor:
        return torch.from_numpy(model.floats(name).copy())

    def matrix(name: str, columns: int) -> torch.Tensor:
        return torch.from_numpy(model.dequantised(name, columns))

    state = {
        # Row 0 of the token-type table: the engine, like e5, only ever uses type 0.
        "positions": floats("emb.pos").view(shape.max_positions, h),
        "token_type": floats("emb.type")[:h].clone(),
        "embedding_norm.weight": floats("emb.ln.w"),
        "embedding_norm.bias": floats("emb.ln.b"),
    }
    for i in range(shape.layers):
        p, n = f"layers.{i}.", f"l{i}."
        state[p + "qkv.weight"] = torch.cat([matrix(n + x + ".w", h) for x in "qkv"])
        state[p + "qkv.bias"] = torch.cat([floats(n + x + ".b") for x in "qkv"])
        state[p + "out.weight"] = matrix(n + "ao.w", h)
        state[p + "out.bias"] = floats(n + "ao.b")
        state[p + "attention_norm.weight"] = floats(n + "aln.w")
        state[p + "attention_norm.bias"] = floats(n + "aln.b")
        state[p + "up.weight"] = matrix(n + "fi.w", h)
        state[p + "up.bias"] = floats(n + "fi.b")
        state[p + "down.weight"] = matrix(n + "fo.w", ff)
        state[p + "down.bias"] = floats(n + "fo.b")
        state[p + "output_norm.weight"] = floats(n + "oln.w")
        state[p + "output_norm.bias"] = floats(n + "oln.b")
    return state
