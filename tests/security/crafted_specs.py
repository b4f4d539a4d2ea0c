"""Crafted spec and training-setting files, made by code: each is what a hostile or careless upload could be.

Every maker returns (what, bytes): `what` says which reader takes the file ("spec" for a spec JSON as the
Build page's upload, a checkpoint's spec.json and `python -m dlcore export` read it; "config" for a training
config JSON as a checkpoint's config.json holds it).
"""

from __future__ import annotations

import json

MARKER = "PWNED_BY_SPEC"  # an injected command would create a file of this name


def _spec(**fields) -> bytes:
    data = {"input_shape": [4], "layers": [{"type": "Linear", "out_features": 2}], **fields}
    return json.dumps(data).encode()


def deep_json(depth: int = 995) -> tuple[str, bytes]:
    """A layer setting nested `depth` lists deep: RecursionError in json.loads at ~995."""
    inner = "[" * depth + "]" * depth
    return "spec", b'{"input_shape": [4], "layers": [{"type": "ReLU", "p": ' + inner.encode() + b"}]}"


def deep_blocks(depth: int) -> tuple[str, bytes]:
    """Blocks inside blocks: validate/build/codegen broke from 330, ModelSpec.__eq__ from 250."""
    blocks = '{"type": "Sequential", "layers": [' * depth + '{"type": "ReLU"}' + "]}" * depth
    return "spec", f'{{"input_shape": [4], "layers": [{blocks}]}}'.encode()


def reserved_layer_name(name: str = "training") -> tuple[str, bytes]:
    """A layer named like an attribute every module already has: KeyError in build_model."""
    return "spec", _spec(layers=[{"type": "ReLU", "name": name}, {"type": "Linear", "out_features": 2}])


def injection_name() -> tuple[str, bytes]:
    """A name that closed the exported file's docstring and ran a command when the file was imported."""
    evil = f'Net"""\nimport pathlib; pathlib.Path("{MARKER}").touch()\n"""'
    return "spec", _spec(name=evil)


def nul_name() -> tuple[str, bytes]:
    return "spec", _spec(name="a\x00b")


def huge_int(field: str) -> tuple[str, bytes]:
    """10**400 where a number goes: OverflowError when it was turned into a float."""
    if field == "lr":
        return "config", json.dumps({"lr": 10**400}).encode()
    if field == "init_std":
        return "spec", _spec(init_std=10**400)
    return "spec", _spec(layers=[{"type": "Dropout", "p": 10**400}, {"type": "Linear", "out_features": 2}])


def huge_description(megabytes: int = 10) -> tuple[str, bytes]:
    """A legal but huge description: 15 s per Build rerun and 27 s to export before it was capped."""
    return "spec", _spec(description="lorem ipsum " * (megabytes * 1024 * 1024 // 12))


def many_layers(count: int = 100_000) -> tuple[str, bytes]:
    """100k layers without parameters (1.6 MB): kept the Build page busy for 210 s."""
    return "spec", _spec(input_shape=[4], layers=[{"type": "ReLU"}] * count)


def long_text(field: str, length: int = 100_000) -> tuple[str, bytes]:
    """A long layer type, layer name or setting name, which error messages used to quote in full."""
    text = "x" * length
    if field == "training setting":
        return "config", json.dumps({text: 1}).encode()
    if field == "type":
        return "spec", _spec(layers=[{"type": text}])
    if field == "layer name":
        return "spec", _spec(layers=[{"type": "ReLU", "name": text}])
    return "spec", _spec(layers=[{"type": "ReLU", text: 1}])


CRAFTED = {
    "deep json": deep_json(),
    "deep json 5000": deep_json(5000),
    "blocks 250 deep": deep_blocks(250),
    "blocks 330 deep": deep_blocks(330),
    "blocks 2000 deep": deep_blocks(2000),
    "layer named training": reserved_layer_name("training"),
    "layer named append": reserved_layer_name("append"),
    "injection in the name": injection_name(),
    "NUL in the name": nul_name(),
    "10**400 as lr": huge_int("lr"),
    "10**400 as init_std": huge_int("init_std"),
    "10**400 as Dropout p": huge_int("p"),
    "10 MB description": huge_description(),
    "100k layers": many_layers(),
    "600 layers": many_layers(600),
    "long layer type": long_text("type"),
    "long layer name": long_text("layer name"),
    "long setting name": long_text("setting"),
    "long training setting name": long_text("training setting"),
}
