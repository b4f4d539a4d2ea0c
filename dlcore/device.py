"""Which device trains: "auto" picks CUDA, then Apple MPS, then the CPU, and says which it picked."""

from __future__ import annotations

import os
import platform

import torch

from dlcore.errors import TrainError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def available_devices() -> list[str]:
    """Devices this machine can train on, fastest first."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    found.append("cpu")
    return found


def resolve_device(name: str = "auto") -> torch.device:
    """The torch.device for a config value; a device this machine lacks is a TrainError saying what it has."""
    if name not in DEVICE_CHOICES:
        raise TrainError(f"device must be one of {', '.join(DEVICE_CHOICES)}, not {name!r}", field="device")
    available = available_devices()
    if name == "auto":
        return torch.device(available[0])
    if name not in available:
        raise TrainError(
            f"device {name!r} is not available on this machine (available: {', '.join(available)}); "
            "choose 'auto' to use the fastest one there is",
            field="device",
        )
    return torch.device(name)


def device_name(device: torch.device) -> str:
    """A human name for the device, e.g. 'NVIDIA H100 80GB HBM3' or 'CPU (x86_64, 2 threads)'."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    if device.type == "mps":
        return "Apple GPU (MPS)"
    return f"CPU ({platform.machine() or 'unknown'}, {os.cpu_count()} cores)"


def device_info(name: str = "auto") -> dict:
    """`{"device": "cuda", "name": "...", "available": ["cuda", "cpu"]}` for the device `name` resolves to."""
    device = resolve_device(name)
    return {"device": device.type, "name": device_name(device), "available": available_devices()}
