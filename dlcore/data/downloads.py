"""MNIST, Fashion-MNIST and CIFAR-10: downloaded once, only when asked (`download=True`), then offline.

Files go to a cache folder ($DLPLAYGROUND_DATA, else ~/.cache/dl-playground), each checked against
its published MD5 before it is kept. They are read in their original formats (IDX for the MNISTs, the
"binary version" of CIFAR-10, read straight out of the archive): no pickle, nothing executed.
Without the files and without `download=True`, loading says what to use instead.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from dlcore.data.catalogue import dataset, seed_param, val_fraction_param
from dlcore.data.dataset import Split
from dlcore.data.images import augmentation_params, image_dataset
from dlcore.errors import DataError
from dlcore.params import Param

CACHE_ENV = "DLPLAYGROUND_DATA"
TIMEOUT_S = 60


def cache_dir() -> Path:
    """Where downloaded datasets are kept: $DLPLAYGROUND_DATA, else ~/.cache/dl-playground."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "dl-playground")


@dataclass(frozen=True)
class Remote:
    filename: str
    md5: str  # as published by the dataset's authors


@dataclass(frozen=True)
class Source:
    title: str
    folder: str
    mirrors: tuple[str, ...]  # base URLs tried in order
    files: tuple[Remote, ...]
    megabytes: int
    classes: tuple[str, ...]


MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
SOURCES = {
    "mnist": Source(
        "MNIST",
        "mnist",
        MNIST_MIRRORS,
        (
            Remote("train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873"),
            Remote("train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432"),
            Remote("t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3"),
            Remote("t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c"),
        ),
        11,
        tuple(str(d) for d in range(10)),
    ),
    "fashion_mnist": Source(
        "Fashion-MNIST",
        "fashion_mnist",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        (
            Remote("train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
            Remote("train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe"),
            Remote("t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79"),
            Remote("t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310"),
        ),
        30,
        (
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
    ),
    "cifar10": Source(
        "CIFAR-10",
        "cifar10",
        ("https://www.cs.toronto.edu/~kriz/",),
        (Remote("cifar-10-binary.tar.gz", "c32a1d4ab5d03f1284b67883e8d87530"),),
        163,
        ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"),
    ),
}

# The one place that touches the network; tests replace it to serve files they generate.
_open_url = urllib.request.urlopen


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)  # the published checksums are MD5: integrity, not security
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(source: Source) -> None:
    """Download the files of `source` that are not in the cache yet, keeping each only if its MD5 matches."""
    folder = cache_dir() / source.folder
    folder.mkdir(parents=True, exist_ok=True)
    for remote in source.files:
        target = folder / remote.filename
        if target.exists():
            continue
        partial = target.with_suffix(target.suffix + ".part")
        errors = []
        for base in source.mirrors:
            try:
                with (
                    _open_url(base + remote.filename, timeout=TIMEOUT_S) as response,
                    open(partial, "wb") as out,
                ):
                    for block in iter(lambda r=response: r.read(1 << 20), b""):
                        out.write(block)
            except (urllib.error.URLError, OSError) as err:
                errors.append(f"{base}: {getattr(err, 'reason', err)}")
                continue
            if _md5(partial) == remote.md5:
                os.replace(partial, target)
                break
            errors.append(f"{base}: the file's checksum does not match the published one")
        else:
            partial.unlink(missing_ok=True)
            raise DataError(
                f"could not download {source.title} ({remote.filename}): {'; '.join(errors)}. Check the "
                "internet connection and try again, or use 'digits' or 'shapes', which need no download",
                field="download",
            )


def downloaded(name: str) -> bool:
    """Is the dataset `name` (mnist, fashion_mnist, cifar10) on this computer, so it loads offline?"""
    return not _missing(SOURCES[name])


def _missing(source: Source) -> list[Path]:
    folder = cache_dir() / source.folder
    return [folder / r.filename for r in source.files if not (folder / r.filename).exists()]


def _ensure(source: Source, download: bool) -> Path:
    if _missing(source):
        if not download:
            raise DataError(
                f"{source.title} is not on this computer yet (looked in {cache_dir() / source.folder}). "
                f"Load it with download=True while online (about {source.megabytes} MB, once), or use "
                "'digits' (8x8 handwritten digits) or 'shapes' (generated pictures), which work offline",
                field="download",
            )
        fetch(source)
    return cache_dir() / source.folder


# ---- file formats ----------------------------------------------------------------------------------------
def read_idx(data: bytes, what: str) -> np.ndarray:
    """An IDX array of unsigned bytes (the MNIST format): magic 0x0000 08 <ndim>, big-endian sizes, values."""
    if len(data) < 4 or data[:2] != b"\x00\x00" or data[2] != 0x08:
        raise DataError(f"{what} is not an IDX file of bytes: delete it and download again", field="download")
    ndim = data[3]
    header = 4 + 4 * ndim
    shape = struct.unpack(f">{ndim}I", data[4:header]) if len(data) >= header else ()
    if len(shape) != ndim or len(data) - header != int(np.prod(shape)):
        raise DataError(f"{what} is cut short or damaged: delete it and download again", field="download")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


CIFAR_RECORD = 1 + 3 * 32 * 32  # label byte, then the red, green and blue 32x32 planes


def read_cifar_records(data: bytes, what: str) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 binary records -> images (N, 3, 32, 32) uint8, labels (N,)."""
    if len(data) == 0 or len(data) % CIFAR_RECORD:
        raise DataError(
            f"{what} is not a whole number of CIFAR-10 records: download it again", field="download"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, CIFAR_RECORD)
    labels = records[:, 0].astype(np.int64)
    if labels.max() > 9:
        raise DataError(f"{what} has labels above 9: it is not CIFAR-10", field="download")
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


@lru_cache(maxsize=4)
def _read_mnist_like(folder: Path, stamp: tuple) -> tuple[np.ndarray, ...]:
    """(train images, train labels, test images, test labels) from the four gzipped IDX files."""
    arrays = []
    for name in (
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
    ):
        try:
            with gzip.open(folder / name, "rb") as f:
                arrays.append(read_idx(f.read(), name))
        except (OSError, EOFError) as err:
            raise DataError(
                f"{name} cannot be read ({err}): delete it and download again", field="download"
            ) from None
    for images, labels in (arrays[:2], arrays[2:]):
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DataError(
                f"the files in {folder} do not match each other: delete them and download again",
                field="download",
            )
    return tuple(arrays)


@lru_cache(maxsize=2)
def _read_cifar(archive: Path, stamp: tuple) -> tuple[np.ndarray, ...]:
    """(train images, train labels, test images, test labels) read from the archive without unpacking it."""
    parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = Path(member.name).name
                if member.isfile() and name.endswith(".bin"):
                    parts[name] = read_cifar_records(tar.extractfile(member).read(), name)
    except (tarfile.TarError, OSError, EOFError) as err:
        raise DataError(
            f"{archive.name} cannot be read ({err}): delete it and download again", field="download"
        ) from None
    train_names = [f"data_batch_{i}.bin" for i in range(1, 6)]
    if not all(n in parts for n in [*train_names, "test_batch.bin"]):
        raise DataError(
            f"{archive.name} lacks some of the CIFAR-10 batches: download it again", field="download"
        )
    train_images = np.concatenate([parts[n][0] for n in train_names])
    train_labels = np.concatenate([parts[n][1] for n in train_names])
    return train_images, train_labels, *parts["test_batch.bin"]


def _stamp(path: Path) -> tuple:
    """Changes when a cached file changes, so a re-downloaded file is read again."""
    return tuple(
        (p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(path.glob("*")) if p.is_file()
    )


# ---- catalogue entries ---------------------------------------------------------------------------------
def _params(train_default: int, train_max: int) -> tuple[Param, ...]:
    return (
        Param(
            "download",
            "bool",
            False,
            "Download the dataset once if it is not on this computer yet (needs the internet).",
        ),
        Param(
            "train_size",
            "int",
            train_default,
            "Training images to use (at most all of them).",
            min=100,
            max=train_max,
        ),
        Param(
            "test_size", "int", 2000, "Test images to use, from the official test set.", min=100, max=10000
        ),
        *augmentation_params(),
        val_fraction_param(0.1),
        seed_param(),
    )


def _register(name: str, description: str, train_max: int):
    @dataset(name, "images", "multiclass", description, _params(10000, train_max))
    def build(download, train_size, test_size, augment, augment_copies, val_fraction, seed):
        source = SOURCES[name]
        folder = _ensure(source, download)
        if name == "cifar10":
            archive = folder / source.files[0].filename
            arrays = _read_cifar(archive, _stamp(folder))
        else:
            arrays = _read_mnist_like(folder, _stamp(folder))
        train_images, train_labels, test_images, test_labels = arrays
        rng = np.random.default_rng(seed)
        n_val = int(round(val_fraction * train_size))
        picked = rng.permutation(len(train_images))[: train_size + n_val]
        n_val = min(n_val, len(picked) // 5)  # a small file keeps most of its images for training
        tested = rng.permutation(len(test_images))[:test_size]
        # Only the images used are converted to floats: (n, C, H, W) in [0, 1].
        images = np.concatenate([train_images[picked], test_images[tested]])
        images = torch.from_numpy(images.reshape(len(images), -1, *images.shape[-2:])).float() / 255.0
        labels = torch.from_numpy(
            np.concatenate([train_labels[picked], test_labels[tested]]).astype(np.int64)
        )
        n_train = len(picked) - n_val
        positions = np.arange(len(images))
        ds = image_dataset(
            name,
            images,
            labels,
            Split(positions[n_val : len(picked)], positions[:n_val], positions[len(picked) :]),
            class_names=list(source.classes),
            description=description,
            augment=augment,
            augment_copies=augment_copies,
            seed=seed,
            notes=[f"Only {n_train} training images available (asked for {train_size})."]
            if n_train < train_size
            else [],
        )
        # Source rows: the official training images first, then the test images, so splits never overlap.
        ds.indices = Split(picked[n_val:], picked[:n_val], tested + len(train_images))
        return ds

    return build


_register(
    "mnist",
    "70,000 handwritten digits, 28x28 grey (download once, 11 MB): the classic first image task.",
    60000,
)
_register(
    "fashion_mnist",
    "70,000 pictures of clothes in 10 kinds, 28x28 grey (download once, 30 MB): harder than digits.",
    60000,
)
_register(
    "cifar10",
    "60,000 small colour photos, 32x32, of 10 kinds of object (download once, 163 MB): a real vision task.",
    50000,
)
