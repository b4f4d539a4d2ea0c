"""What a server sends a page: its websocket frames as they arrive, and the elements they carry (Streamlit's
ForwardMsg protobuf), for tests that check what never reaches a browser."""

from __future__ import annotations

from collections.abc import Iterator

from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


def record_frames(page) -> list[bytes]:
    """Every websocket frame the server sends `page` from now on (the list grows as they arrive)."""
    frames: list[bytes] = []

    def keep(data: bytes | str) -> None:
        frames.append(data if isinstance(data, bytes) else data.encode())

    page.on("websocket", lambda socket: socket.on("framereceived", keep))
    return frames


def elements(frames: list[bytes]) -> Iterator[Element]:
    """Every element the frames carry (a new or changed widget, chart, table or text)."""
    for frame in frames:
        message = ForwardMsg.FromString(frame)
        if message.WhichOneof("type") == "delta" and message.delta.WhichOneof("type") == "new_element":
            yield message.delta.new_element
