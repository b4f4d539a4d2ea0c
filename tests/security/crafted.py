"""Hostile files, made by code: what a student could pass around on a shared classroom server (issue 12).

Each maker returns the bytes of one file. The bombs are small on disk and huge when opened carelessly:
zips whose members lie about their unpacked size or use bzip2/lzma, PNGs with enormous dimensions, a CSV
of text columns whose one-hot encoding is gigabytes. The others are merely wrong: an `inf` cell, a
checkpoint with `epoch: "abc"`, weights that do not fit their spec, a pickle that would run code.

`CRAFTED` names every file with where the app takes it (`kind`) and a maker with sizes fit for a test.
The security tests open each in a subprocess and measure its memory; the browser test uploads each
one; other tests (crafted spec files, say) can add their own makers here.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

MiB = 1 << 20
SPEC = {
    "name": "tiny",
    "input_shape": [2],
    "dataset": "circle",
    "layers": [
        {"type": "Linear", "out_features": 4},
        {"type": "ReLU"},
        {"type": "Linear", "out_features": 2},
    ],
}


# ---------------------------------------------------------------- zips


def _zeros(total: int):
    """`total` zero bytes, a MiB at a time (a bomb is never held whole while it is made)."""
    block = bytes(MiB)
    for start in range(0, total, MiB):
        yield block[: min(MiB, total - start)]


def _zip(members: dict[str, tuple[bytes | int, int]]) -> bytes:
    """A zip of {name: (content, or a number of zero bytes, compression method)}."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, (content, method) in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method
            with archive.open(info, "w") as member:
                for block in [content] if isinstance(content, bytes) else _zeros(content):
                    member.write(block)
    return buffer.getvalue()


def _declare_size(data: bytes, name: str, declared: int) -> bytes:
    """The zip with member `name`'s unpacked size rewritten to `declared`, in the local header and the
    central directory alike: the lie a bomb tells to pass a check on declared sizes."""
    out = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        position = archive.start_dir
    for info in infos:
        # central directory entry: signature 4, versions 2+2, flags 2, method 2, time 2, date 2, crc 4,
        # compressed size 4, uncompressed size 4, name length 2, extra length 2, comment length 2, ...
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", out, position + 28)
        if info.filename == name:
            struct.pack_into("<I", out, position + 24, declared)
            struct.pack_into("<I", out, info.header_offset + 22, declared)  # local header's own copy
        position += 46 + name_len + extra_len + comment_len
    return bytes(out)


def _spec_json() -> bytes:
    return json.dumps(SPEC).encode()


@cache
def zip_bomb(
    inflated: int = 160 * MiB, method: int = zipfile.ZIP_DEFLATED, declared: int | None = 1000
) -> bytes:
    """A checkpoint whose model.safetensors unpacks to `inflated` zero bytes while declaring `declared`
    (None: the true size). Deflate packs ~1000:1, bzip2 and lzma far more."""
    data = _zip({"spec.json": (_spec_json(), zipfile.ZIP_DEFLATED), "model.safetensors": (inflated, method)})
    return data if declared is None else _declare_size(data, "model.safetensors", declared)


@cache
def zip_bomb_every_member(inflated: int = 150 * MiB) -> bytes:
    """spec.json, model.safetensors and config.json each unpack to `inflated` bytes, declaring 1 KB."""
    names = ("spec.json", "model.safetensors", "config.json")
    data = _zip({name: (inflated, zipfile.ZIP_DEFLATED) for name in names})
    for name in names:
        data = _declare_size(data, name, 1000)
    return data


def _checkpoint(spec: dict, weights_spec: dict | None = None, meta: dict | None = None) -> bytes:
    import dlcore

    weights = dlcore.build_model(dlcore.ModelSpec.from_dict(weights_spec or spec))
    return dlcore.checkpoint_bytes(dlcore.ModelSpec.from_dict(spec), weights, meta=meta)


def bad_metadata_checkpoint() -> bytes:
    """A real checkpoint whose weights' metadata says epoch "abc"."""
    return _checkpoint(SPEC, meta={"epoch": "abc", "step": 7})


def mismatched_weights_checkpoint() -> bytes:
    """spec.json says the hidden layer has 4 units; the weights were saved from one with 8."""
    wider = {**SPEC, "layers": [{"type": "Linear", "out_features": 8}, *SPEC["layers"][1:]]}
    return _checkpoint(SPEC, weights_spec=wider)


class _RunsCode:
    """Unpickling this calls os.makedirs(marker): proof that code from the file ran."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.makedirs, (self.marker,)


def pickle_checkpoint(marker: str | Path) -> bytes:
    """A checkpoint whose weights are a pickle (as torch.save writes) that would create `marker`."""
    payload = pickle.dumps({"weights": _RunsCode(str(marker))})
    return _zip(
        {
            "spec.json": (_spec_json(), zipfile.ZIP_DEFLATED),
            "model.safetensors": (payload, zipfile.ZIP_STORED),
            "archive/data.pkl": (payload, zipfile.ZIP_STORED),
        }
    )


# ---------------------------------------------------------------- images


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@cache
def png_bomb(width: int = 12000, height: int = 12000, bit_depth: int = 8) -> bytes:
    """A black greyscale PNG of width × height pixels: ~1000 times smaller than its pixels."""
    row = bytes(1 + (width * bit_depth + 7) // 8)  # filter byte 0, then the packed pixels
    packer = zlib.compressobj(9)
    rows_per_block = max(1, MiB // len(row))
    idat = []
    for start in range(0, height, rows_per_block):
        idat.append(packer.compress(row * min(rows_per_block, height - start)))
    idat.append(packer.flush())
    header = struct.pack(">IIBBBBB", width, height, bit_depth, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", b"".join(idat))
        + _chunk(b"IEND", b"")
    )


# ---------------------------------------------------------------- tables


@cache
def wide_text_csv(rows: int = 280_000, columns: int = 40, categories: int = 50) -> bytes:
    """Text columns within every per-column limit (each has `categories` values like "a07"), plus a 0/1
    target "y": ~46 MB whose one-hot encoding is rows × columns × categories numbers."""
    rng = np.random.default_rng(0)
    codes = rng.integers(0, categories, size=(rows, columns))
    cells = np.empty((rows, columns, 4), dtype=np.uint8)  # "aNN,"
    cells[..., 0], cells[..., 1], cells[..., 2], cells[..., 3] = (
        ord("a"),
        48 + codes // 10,
        48 + codes % 10,
        44,
    )
    target = np.stack([48 + rng.integers(0, 2, rows), np.full(rows, 10)], axis=1).astype(np.uint8)
    body = np.concatenate([cells.reshape(rows, -1), target], axis=1).tobytes()
    header = ",".join(f"c{j}" for j in range(columns)) + ",y\n"
    return header.encode() + body


def inf_points_csv() -> bytes:
    """50 points (x1, x2, label) where 8 coordinates are inf or -inf."""
    rng = np.random.default_rng(1)
    lines = ["x1,x2,label"]
    for i in range(50):
        x1, x2 = rng.uniform(-5, 5, 2)
        if i % 6 == 5:
            x1 = float("inf") if i % 12 == 5 else float("-inf")
        lines.append(f"{x1:.3f},{x2:.3f},{i % 2}")
    return ("\n".join(lines) + "\n").encode()


# ---------------------------------------------------------------- the list


@dataclass(frozen=True)
class Crafted:
    """One hostile file: `kind` says where the app takes it (checkpoint, image, table, points)."""

    name: str
    kind: str
    make: object  # () -> bytes
    why: str


CRAFTED = (
    Crafted("bomb-deflate.zip", "checkpoint", zip_bomb, "deflate member declaring 1 KB, unpacking to 160 MB"),
    Crafted(
        "bomb-bzip2.zip",
        "checkpoint",
        lambda: zip_bomb(method=zipfile.ZIP_BZIP2),
        "bzip2 member declaring 1 KB, unpacking to 160 MB",
    ),
    Crafted(
        "bomb-lzma.zip",
        "checkpoint",
        lambda: zip_bomb(method=zipfile.ZIP_LZMA),
        "lzma member declaring 1 KB, unpacking to 160 MB",
    ),
    Crafted("bomb-every-member.zip", "checkpoint", zip_bomb_every_member, "three members of 150 MB each"),
    Crafted("bad-metadata.zip", "checkpoint", bad_metadata_checkpoint, 'metadata epoch: "abc"'),
    Crafted(
        "mismatched-weights.zip", "checkpoint", mismatched_weights_checkpoint, "weights of another shape"
    ),
    Crafted("huge.png", "image", png_bomb, "12000×12000 pixels"),
    Crafted(
        "bomb-1bit.png",
        "image",
        lambda: png_bomb(25000, 25000, bit_depth=1),
        "25000×25000 1-bit pixels (Pillow's own bomb limit)",
    ),
    Crafted("wide-text.csv", "table", wide_text_csv, "46 MB of text columns: 2,000 one-hot columns"),
    Crafted(
        "wide-text-small.csv",
        "table",
        lambda: wide_text_csv(rows=20_000),
        "3 MB of text columns: 20,000 rows × 2,000 one-hot columns",
    ),
    Crafted("inf-points.csv", "points", inf_points_csv, "8 of 50 coordinates are ±inf"),
)
BY_NAME = {c.name: c for c in CRAFTED}


def write_all(folder: Path) -> dict[str, Path]:
    """Write every crafted file into `folder` (for a browser to upload); {name: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for crafted in CRAFTED:
        paths[crafted.name] = folder / crafted.name
        paths[crafted.name].write_bytes(crafted.make())
    return paths
