"""Plain JSON data in a link: a model, a setup, small enough to send to a class.

`pack(data)` turns JSON data into a token for a URL's query string: the compressed JSON itself when it is
short (the link alone reopens it, on any server), else a short id for a copy kept on this server. Links
go into chats, onto slides and into QR codes, so a long model falls back to the id: browsers take
longer addresses, people and projectors do not. `unpack(token)` gives the data back, or a DataError that
tells the student what is wrong with the link.

The copies on the server are bounded like uploads: one is at most MAX_JSON_BYTES (the limit of a spec
file in a checkpoint), and the store keeps at most `max_items`, forgetting the least recently used. An id
is a hash of the content, so the same model always gets the same id and a link cannot name a file
outside the store.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
import threading
import zlib
from pathlib import Path
from typing import Any

from dlcore.checkpoint import MAX_JSON_BYTES
from dlcore.errors import DataError

INLINE_PREFIX = "z"  # zlib-compressed JSON, URL-safe base64
STORED_PREFIX = "s"  # the id of a copy kept on this server
MAX_INLINE_CHARS = 1200  # a token longer than this is stored on the server instead
MAX_STORED_ITEMS = 5000
ID_CHARS = 20  # 80 bits of a SHA-256: no collisions among any number of models a server will see
LINK_DIR_ENV = "DLP_LINK_DIR"
_ID = re.compile(rf"[0-9a-f]{{{ID_CHARS}}}")


def _canonical(data: Any) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _too_large() -> DataError:
    return DataError(
        f"This is larger than {MAX_JSON_BYTES >> 20} MB as JSON, more than any model that trains here: "
        "it cannot be put in a link",
        field="link",
    )


class LinkStore:
    """Copies of link data on this server's disk, one file per id (see the module docstring)."""

    def __init__(self, folder: str | Path, *, max_items: int = MAX_STORED_ITEMS):
        self.folder = Path(folder)
        self.max_items = max_items
        self._lock = threading.Lock()

    def put(self, text: bytes) -> str:
        """Keep `text` (JSON bytes) and return its id."""
        if len(text) > MAX_JSON_BYTES:
            raise _too_large()
        link_id = hashlib.sha256(text).hexdigest()[:ID_CHARS]
        path = self.folder / f"{link_id}.json"
        try:
            with self._lock:
                self.folder.mkdir(parents=True, exist_ok=True)
                if path.exists():
                    path.touch()  # recently used: kept longest
                else:
                    partial = path.with_suffix(".part")
                    partial.write_bytes(text)
                    partial.replace(path)  # never a half-written file under the id
                    self._forget_oldest()
        except OSError as err:
            raise DataError(
                "This model is too long for a link, and this server cannot keep a copy for one (its link "
                f"folder {self.folder} cannot be written): share the model's JSON file instead",
                field="link",
            ) from err
        return link_id

    def get(self, link_id: str) -> bytes:
        """The text kept under `link_id`; DataError when the id is malformed or unknown here."""
        if not _ID.fullmatch(link_id):
            raise DataError("The link is damaged: its model id is not one this app makes", field="link")
        path = self.folder / f"{link_id}.json"
        try:
            text = path.read_bytes()
            path.touch()
        except OSError as err:
            raise DataError(
                "The link's model is not on this server (it was made on another server, or forgotten to "
                "make room): ask for the model's JSON file instead",
                field="link",
            ) from err
        return text

    def _forget_oldest(self) -> None:
        files = sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime)
        for path in files[: max(0, len(files) - self.max_items)]:
            path.unlink(missing_ok=True)


_default_store: LinkStore | None = None


def link_store() -> LinkStore:
    """This server's store: the folder in $DLP_LINK_DIR, else ~/.cache/dl-playground/links."""
    global _default_store
    folder = os.environ.get(LINK_DIR_ENV) or Path.home() / ".cache" / "dl-playground" / "links"
    if _default_store is None or _default_store.folder != Path(folder):
        _default_store = LinkStore(folder)
    return _default_store


def pack(data: Any, store: LinkStore | None = None) -> str:
    """A URL-safe token for JSON `data`: inline when short, else the id of a copy on the server."""
    text = _canonical(data)
    if len(text) > MAX_JSON_BYTES:
        raise _too_large()
    token = INLINE_PREFIX + base64.urlsafe_b64encode(zlib.compress(text, 9)).decode().rstrip("=")
    if len(token) <= MAX_INLINE_CHARS:
        return token
    return STORED_PREFIX + (store or link_store()).put(text)


def unpack(token: str, store: LinkStore | None = None) -> Any:
    """The data `pack` made `token` from; DataError (field "link") when the link is damaged or unknown."""
    if token.startswith(STORED_PREFIX):
        text = (store or link_store()).get(token[len(STORED_PREFIX) :])
    elif token.startswith(INLINE_PREFIX) and len(token) <= MAX_INLINE_CHARS:
        text = _inflate(token[len(INLINE_PREFIX) :])
    else:
        raise DataError("The link is damaged (it may have been cut short when it was copied)", field="link")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as err:
        raise DataError("The link is damaged: what it holds is not readable", field="link") from err


def _inflate(body: str) -> bytes:
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj()
        text = inflater.decompress(compressed, MAX_JSON_BYTES + 1)  # a zip bomb stops at the cap
    except (binascii.Error, ValueError, zlib.error) as err:
        raise DataError(
            "The link is damaged (it may have been cut short when it was copied)", field="link"
        ) from err
    if len(text) > MAX_JSON_BYTES or inflater.unconsumed_tail:
        raise _too_large()
    return text
