"""The few nn.Modules PyTorch lacks that the layer catalogue builds.

Each keeps PyTorch's parameter names (an `LSTM` here has exactly the state dict of `nn.LSTM`), so a
model built from a spec loads into the exported code and into plain PyTorch modules. Forward passes do
no more work than the layer itself: the training engine must keep pace with a hand-written loop.
"""

from __future__ import annotations

import torch
from torch import nn

from dlcore.ssm import DiagonalSSM, SelectiveSSM  # noqa: F401  (built by name, like the classes below)


class Residual(nn.Module):
    """y = body(x) + shortcut(x): the body's layers are this module's children, in order.

    `shortcut` is a learned projection (1x1 convolution or Linear) when the body changes the shape,
    otherwise absent (the identity).
    """

    def __init__(self, body: dict[str, nn.Module], shortcut: nn.Module | None = None):
        super().__init__()
        for name, layer in body.items():
            self.add_module(name, layer)
        if shortcut is not None:
            self.shortcut = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = x
        for name, layer in self._modules.items():
            if name != "shortcut":
                out = layer(out)
        shortcut = self._modules.get("shortcut")
        return out + (x if shortcut is None else shortcut(x))


class Reshape(nn.Module):
    """Reshape every example to `shape` (the batch size is kept; one size may be -1)."""

    def __init__(self, shape: tuple[int, ...]):
        super().__init__()
        self.shape = tuple(shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.shape[0], *self.shape)

    def extra_repr(self) -> str:
        return f"shape={self.shape}"


class Transpose(nn.Module):
    """Swap the two axes of each example: (L, F) sequences <-> (C, L) signals for Conv1d."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.transpose(1, 2)


class _SequenceOutput:
    """Mixin for nn.RNN / nn.LSTM / nn.GRU: return one tensor, the whole sequence or the last step.

    The last step of a bidirectional layer is the final state of each direction: the forward
    direction's last output and the backward direction's first one.
    """

    def __init__(
        self, *args, return_sequence: bool = False, keep_bias: float = 0.0, input_bias: float = 0.0, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.return_sequence = return_sequence
        if keep_bias or input_bias:
            start_keeping(self, keep_bias, input_bias)
            self.keeps_its_start = tuple(n for n, _ in self.named_parameters() if n.startswith("bias_"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = super().forward(x)  # (B, L, H * directions)
        if self.return_sequence:
            return out
        if not self.bidirectional:
            return out[:, -1]  # (B, H)
        return torch.cat((out[:, -1, : self.hidden_size], out[:, 0, self.hidden_size :]), dim=1)


@torch.no_grad()
def start_keeping(layer: nn.LSTM | nn.GRU, bias: float, input_bias: float = 0.0) -> None:
    """Start the gate that keeps the memory (the LSTM's forget gate, the GRU's update gate: the second
    block of each bias) at `bias`, so the layer remembers from the first step (bias 3: 95 % a step) and
    what it learns at the answer reaches far back; an initialiser chosen for the layer leaves the biases.
    `input_bias` starts the LSTM's input gate (the first block): negative, the memory is written little
    at first, so a memory that is kept is not filled up by every step's input (a GRU's update gate both
    keeps and stops writing, so it needs none)."""
    h = layer.hidden_size
    starts = {block: start for block, start in ((1, bias), (0, input_bias)) if start}  # 0: PyTorch's start
    for name, bias_vector in layer.named_parameters():
        if name.startswith("bias_"):
            for block, start in starts.items():
                bias_vector[block * h : (block + 1) * h] = start if name.startswith("bias_ih") else 0.0


class RNN(_SequenceOutput, nn.RNN):
    """nn.RNN (batch_first) returning its output sequence or last step."""


class LSTM(_SequenceOutput, nn.LSTM):
    """nn.LSTM (batch_first) returning its output sequence or last step."""


class GRU(_SequenceOutput, nn.GRU):
    """nn.GRU (batch_first) returning its output sequence or last step."""


def causal_mask(length: int, device: torch.device) -> torch.Tensor:
    """(L, L) additive mask: 0 where position i may look (j <= i), -inf where it would see the future."""
    return nn.Transformer.generate_square_subsequent_mask(length, device=device)


class MultiheadSelfAttention(nn.MultiheadAttention):
    """Self-attention over a (B, L, E) sequence; keeps the weights of its last call for inspection.

    `last_attention` is (B, heads, L, L), detached: row i shows where position i looked. `causal`: each
    position looks only at itself and earlier ones (a language model must not read the answer ahead).
    """

    def __init__(self, embed_dim: int, num_heads: int, causal: bool = False, **kwargs):
        super().__init__(embed_dim, num_heads, **{**kwargs, "batch_first": True})
        self.causal = causal
        self.last_attention: torch.Tensor | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mask = causal_mask(x.shape[1], x.device) if self.causal else None
        out, weights = super().forward(
            x, x, x, attn_mask=mask, is_causal=self.causal, need_weights=True, average_attn_weights=False
        )
        self.last_attention = weights.detach()
        return out


class TransformerEncoderLayer(nn.TransformerEncoderLayer):
    """nn.TransformerEncoderLayer that, in eval mode, keeps its attention weights for inspection.

    `last_attention` is (B, heads, L, L), detached. Training runs PyTorch's own code untouched (no
    extra work per step); evaluation recomputes the attention once more to read the weights.
    `causal`: each position attends only to itself and earlier ones.
    """

    last_attention: torch.Tensor | None = None

    def __init__(self, *args, causal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.causal = causal

    def forward(self, src: torch.Tensor, *args, **kwargs) -> torch.Tensor:
        mask = causal_mask(src.shape[1], src.device) if self.causal else None
        if self.causal:
            kwargs.update(src_mask=mask, is_causal=True)
        out = super().forward(src, *args, **kwargs)
        if not self.training:
            x = self.norm1(src) if self.norm_first else src
            with torch.no_grad():
                _, weights = self.self_attn(
                    x, x, x, attn_mask=mask, need_weights=True, average_attn_weights=False
                )
            self.last_attention = weights
        return out


class PositionalEncoding(nn.Module):
    """Adds each position's code to a (B, L, D) sequence so attention can tell positions apart.

    "learned": a trainable (1, L, D) table that starts at zero; "sinusoidal": the fixed sine/cosine
    codes of "Attention Is All You Need" (not saved in the state dict: they are recomputed).
    """

    def __init__(self, length: int, dim: int, kind: str = "learned"):
        super().__init__()
        self.kind = kind
        if kind == "learned":
            self.embedding = nn.Parameter(torch.zeros(1, length, dim))
        else:
            position = torch.arange(length, dtype=torch.float32).unsqueeze(1)  # (L, 1)
            # wavelengths grow geometrically from 2*pi to 10000*2*pi across the dimensions
            rates = torch.exp(torch.arange(0, dim, 2).float() * (-torch.log(torch.tensor(10000.0)) / dim))
            table = torch.zeros(1, length, dim)
            table[0, :, 0::2] = torch.sin(position * rates)
            table[0, :, 1::2] = torch.cos(position * rates)[:, : dim // 2]
            self.register_buffer("embedding", table, persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.embedding

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}"
