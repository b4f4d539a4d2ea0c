"""MNIST, Fashion-MNIST, CIFAR-10: offline by default, downloaded only when asked, checksums enforced.

No test touches the network: the files are generated here in the real formats (gzipped IDX, CIFAR-10's
binary records inside a .tar.gz) and either placed in a temporary cache or served by a fake URL opener.
"""

import dataclasses
import gzip
import hashlib
import io
import struct
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest
import torch

from dlcore.data import downloads, load
from dlcore.errors import DataError


# ---- writers for the real formats --------------------------------------------------------------------------
def idx_bytes(array: np.ndarray) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    return (
        b"\x00\x00\x08" + bytes([array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    )


def mnist_files(n_train: int = 60, n_test: int = 30) -> dict[str, bytes]:
    """Gzipped IDX files; the image of class k is filled with the value 20 * k (to check the decoding)."""
    files = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        images = np.repeat((labels * 20).astype(np.uint8)[:, None, None], 28, 1).repeat(28, 2)
        files[f"{prefix}-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(images))
        files[f"{prefix}-labels-idx1-ubyte.gz"] = gzip.compress(idx_bytes(labels))
    return files


def cifar_records(labels: np.ndarray) -> bytes:
    """Records whose red plane is 20 * label, green 50 + 10 * label and blue 200 - 10 * label."""
    planes = np.stack([np.full((32, 32), k) for k in labels])
    red, green, blue = 20 * planes, 50 + 10 * planes, 200 - 10 * planes
    pixels = np.stack([red, green, blue], axis=1).reshape(len(labels), -1)
    return np.concatenate([labels[:, None], pixels], axis=1).astype(np.uint8).tobytes()


def cifar_archive(per_batch: int = 10, n_test: int = 20) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        members = {f"data_batch_{i}.bin": cifar_records(np.arange(per_batch) % 10) for i in range(1, 6)}
        members["test_batch.bin"] = cifar_records(np.arange(n_test) % 10)
        members["batches.meta.txt"] = b"\n".join(c.encode() for c in downloads.SOURCES["cifar10"].classes)
        for name, data in members.items():
            info = tarfile.TarInfo(f"cifar-10-batches-bin/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def write_fake_cache(folder: Path) -> None:
    """Small files in the real formats, where load() looks for them (set DLPLAYGROUND_DATA to `folder`)."""
    for name in ("mnist", "fashion_mnist"):
        (folder / name).mkdir(parents=True, exist_ok=True)
        for filename, data in mnist_files().items():
            (folder / name / filename).write_bytes(data)
    (folder / "cifar10").mkdir(parents=True, exist_ok=True)
    (folder / "cifar10" / "cifar-10-binary.tar.gz").write_bytes(cifar_archive())


@pytest.fixture(scope="module", autouse=True)
def offline_cache(tmp_path_factory):
    """Small MNIST, Fashion-MNIST and CIFAR-10 files in the cache, so every catalogue entry loads offline.

    Other test modules import this fixture; tests here that need an empty cache use `cache` below.
    """
    folder = tmp_path_factory.mktemp("cache")
    write_fake_cache(folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DLPLAYGROUND_DATA", str(folder))
        yield folder


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DLPLAYGROUND_DATA", str(tmp_path))

    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(downloads, "_open_url", no_network)
    return tmp_path


# ---- offline by default ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "cifar10"])
def test_without_files_or_permission_it_says_what_to_use_instead(cache, name):
    with pytest.raises(DataError, match="download=True.*'digits'.*'shapes'") as err:
        load(name)
    assert err.value.field == "download"
    assert not any(cache.rglob("*"))  # nothing created


def test_default_cache_folder_is_in_the_home_cache(monkeypatch):
    monkeypatch.delenv("DLPLAYGROUND_DATA", raising=False)
    assert downloads.cache_dir() == Path.home() / ".cache" / "dl-playground"


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist"])
def test_mnist_formats_are_read_from_the_cache(cache, name):
    write_fake_cache(cache)
    ds = load(name, test_size=100, val_fraction=0.2)
    assert ds.input_shape == (1, 28, 28) and ds.num_classes == 10
    assert len(ds.class_names) == 10
    assert ds.sizes == {"train": 48, "val": 12, "test": 30}  # only 60 + 30 images in the small files
    assert any("Only 48 training images" in n for n in ds.notes)
    for x, y in ds.splits.values():
        raw = ds.denormalize(x)  # back to pixels in [0, 1]: class k was filled with 20 * k / 255
        assert torch.allclose(raw.mean(dim=(1, 2, 3)), (20 * y).float() / 255, atol=1e-5)
    train, val, test = (set(i.tolist()) for i in ds.indices)
    assert not (train & val or train & test or val & test)


def test_cifar_binary_records_are_read_from_the_archive_with_channels_in_order(cache):
    write_fake_cache(cache)
    ds = load("cifar10", train_size=100, test_size=100, val_fraction=0.1)
    assert ds.input_shape == (3, 32, 32) and ds.class_names[0] == "airplane"
    assert ds.sizes == {"train": 40, "val": 10, "test": 20}  # 50 training images in the small archive
    x, y = ds.test
    raw = ds.denormalize(x)
    assert torch.allclose(raw[:, 0, 5, 5], (20 * y).float() / 255, atol=1e-5)  # red carries the label
    assert torch.allclose(raw[:, 1, 5, 5], (50 + 10 * y).float() / 255, atol=1e-5)
    assert torch.allclose(raw[:, 2, 5, 5], (200 - 10 * y).float() / 255, atol=1e-5)


def test_loading_again_with_a_seed_reproduces(cache):
    write_fake_cache(cache)
    a, b = load("mnist", seed=3), load("mnist", seed=3)
    assert torch.equal(a.train[0], b.train[0]) and torch.equal(a.test[1], b.test[1])


# ---- downloading, only when asked ------------------------------------------------------------------
class FakeServer:
    def __init__(self, files: dict[str, bytes], broken: bool = False):
        self.files, self.broken, self.requests = files, broken, []

    def __call__(self, url, timeout=None):
        self.requests.append(url)
        if self.broken:
            raise urllib.error.URLError("no route to host")
        return io.BytesIO(self.files[url.rsplit("/", 1)[1]])


def _with_checksums_of(monkeypatch, name: str, files: dict[str, bytes]) -> None:
    source = downloads.SOURCES[name]
    remotes = tuple(
        dataclasses.replace(r, md5=hashlib.md5(files[r.filename]).hexdigest()) for r in source.files
    )
    monkeypatch.setitem(downloads.SOURCES, name, dataclasses.replace(source, files=remotes))


def test_download_true_fetches_once_verifies_and_then_works_offline(cache, monkeypatch):
    files = mnist_files()
    _with_checksums_of(monkeypatch, "mnist", files)
    server = FakeServer(files)
    monkeypatch.setattr(downloads, "_open_url", server)
    ds = load("mnist", download=True)
    assert len(server.requests) == 4 and server.requests[0].startswith("https://")
    assert sorted(p.name for p in (cache / "mnist").iterdir()) == sorted(files)
    assert ds.num_classes == 10
    load("mnist", download=True)
    load("mnist")
    assert len(server.requests) == 4  # cached: never fetched again


def test_a_file_whose_checksum_does_not_match_is_not_kept(cache, monkeypatch):
    server = FakeServer(mnist_files())  # the real published checksums will not match these bytes
    monkeypatch.setattr(downloads, "_open_url", server)
    with pytest.raises(DataError, match="checksum does not match") as err:
        load("mnist", download=True)
    assert err.value.field == "download"
    assert len(server.requests) == len(downloads.SOURCES["mnist"].mirrors)  # every mirror tried
    assert not list((cache / "mnist").iterdir())  # no partial or unverified file left behind


def test_no_internet_while_downloading_is_a_clear_message(cache, monkeypatch):
    monkeypatch.setattr(downloads, "_open_url", FakeServer({}, broken=True))
    with pytest.raises(DataError, match="could not download CIFAR-10.*no route to host.*'digits'"):
        load("cifar10", download=True)


# ---- damaged files ---------------------------------------------------------------------------------
def test_a_damaged_cached_file_says_to_download_again(cache):
    write_fake_cache(cache)
    path = cache / "fashion_mnist" / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-100]))
    with pytest.raises(DataError, match="cut short or damaged: delete it and download again"):
        load("fashion_mnist")
    (cache / "cifar10" / "cifar-10-binary.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(DataError, match="cannot be read"):
        load("cifar10")


def test_format_readers_refuse_what_is_not_their_format():
    assert downloads.read_idx(idx_bytes(np.zeros((2, 3, 4))), "x").shape == (2, 3, 4)
    with pytest.raises(DataError, match="not an IDX file"):
        downloads.read_idx(b"\x00\x00\x0d\x01" + b"\x00" * 8, "x")  # floats, not bytes
    images, labels = downloads.read_cifar_records(cifar_records(np.array([3, 7])), "x")
    assert images.shape == (2, 3, 32, 32) and labels.tolist() == [3, 7]
    with pytest.raises(DataError, match="whole number of CIFAR-10 records"):
        downloads.read_cifar_records(b"\x01" * 100, "x")
