"""Links: JSON data round-trips through a URL token, long data through a bounded store on the server."""

import base64
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dlcore import links
from dlcore.errors import DataError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=6),
    max_leaves=40,
)


@pytest.fixture
def store(tmp_path):
    return links.LinkStore(tmp_path / "links", max_items=3)


@settings(max_examples=60, deadline=None)
@given(json_values)
def test_any_json_round_trips_through_a_token(data):
    store = links.LinkStore("/nonexistent-never-written")  # short data never touches the store
    assert links.unpack(links.pack(data, store), store) == data


def test_a_small_model_is_inline_and_needs_no_server(tmp_path):
    spec = {"input_shape": [64], "layers": [{"type": "Linear", "out_features": 10}]}
    token = links.pack(spec, links.LinkStore(tmp_path))
    assert token.startswith(links.INLINE_PREFIX) and len(token) < 200
    assert links.unpack(token, links.LinkStore(tmp_path / "another-server")) == spec
    assert not list(tmp_path.rglob("*.json"))


def test_a_long_model_gets_a_short_id_that_another_store_on_the_same_folder_reads(store, tmp_path):
    spec = {"layers": [{"type": "Linear", "out_features": i, "name": f"layer {i} " * 3} for i in range(300)]}
    token = links.pack(spec, store)
    assert token.startswith(links.STORED_PREFIX) and len(token) == 1 + links.ID_CHARS
    restarted = links.LinkStore(tmp_path / "links")  # a restarted server: a new store over the same folder
    assert links.unpack(token, restarted) == spec
    assert links.pack(spec, restarted) == token  # same content, same id


def test_the_store_keeps_at_most_max_items_forgetting_the_least_recently_used(store):
    ids = [store.put(f'{{"n": {i}}}'.encode()) for i in range(3)]
    store.get(ids[0])  # used again: kept
    newest = store.put(b'{"n": 3}')
    kept = {p.stem for p in store.folder.glob("*.json")}
    assert len(kept) == 3 and ids[0] in kept and newest in kept and ids[1] not in kept


@pytest.mark.parametrize("link_id", ["../../etc/passwd", "ABCDEF", "0" * 19, "g" * 20, ""])
def test_an_id_that_this_app_never_makes_is_refused_before_the_disk_is_read(store, link_id):
    with pytest.raises(DataError, match="damaged"):
        store.get(link_id)


def test_an_unknown_id_says_the_model_is_not_on_this_server(store):
    with pytest.raises(DataError, match="not on this server"):
        links.unpack(links.STORED_PREFIX + "0" * links.ID_CHARS, store)


@pytest.mark.parametrize("token", ["", "x123", "z!!!", "zAAAA", "z" + "A" * 5000])
def test_a_damaged_token_gives_a_message_not_a_traceback(store, token):
    with pytest.raises(DataError) as err:
        links.unpack(token, store)
    assert err.value.field == "link"


def test_a_cut_short_link_is_damaged(store):
    token = links.pack({"layers": list(range(100))}, store)
    with pytest.raises(DataError, match="damaged"):
        links.unpack(token[: len(token) // 2], store)


def test_a_compressed_bomb_stops_at_the_json_limit():
    # An inline token is too short to hold one (1,200 characters inflate to < 1 MB); the inflater caps
    # its output anyway, so a longer one could never make the server build a huge string.
    bomb = zlib.compress(b"[" + b"0," * (links.MAX_JSON_BYTES // 2 + 10) + b"0]", 9)
    with pytest.raises(DataError, match="larger than"):
        links._inflate(base64.urlsafe_b64encode(bomb).decode())


def test_data_larger_than_the_upload_limit_is_refused(store):
    with pytest.raises(DataError, match="larger than"):
        links.pack("x" * (links.MAX_JSON_BYTES + 1), store)


def test_a_store_that_cannot_be_written_says_so_instead_of_failing(tmp_path):
    blocked = tmp_path / "a-file-not-a-folder"
    blocked.write_text("")
    with pytest.raises(DataError, match="cannot keep a copy"):
        links.LinkStore(blocked / "links").put(b'{"n": 1}')
