"""The address students type to reach this server, and the links built on it.

A teacher often opens the app on the server itself, at http://localhost:8501, and a link copied from that
address bar sends every student to their own computer. The server can be told the address students use:
`DLP_PUBLIC_URL=http://192.168.1.20:8501 ./scripts/app.sh`, or Streamlit's own option for it,
`./scripts/app.sh --browser.serverAddress 192.168.1.20` (with `--browser.serverPort` when it differs from
the server's port). Without either, links use the address this tab was opened at.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import streamlit as st

PUBLIC_URL_ENV = "DLP_PUBLIC_URL"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")


def base_url(address: str) -> str:
    """`address` as a base URL: http:// when it names no scheme, no trailing slash."""
    address = address.strip()
    if "://" not in address:
        address = f"http://{address}"
    return address.rstrip("/")


def public_url() -> str | None:
    """The address the server was told students use (DLP_PUBLIC_URL, else --browser.serverAddress), or
    None when it was told none."""
    configured = os.environ.get(PUBLIC_URL_ENV, "").strip()
    if configured:
        return base_url(configured)
    if st.config.is_manually_set("browser.serverAddress"):
        host, port = st.get_option("browser.serverAddress"), st.get_option("browser.serverPort")
        return base_url(f"{host}:{port}/{st.get_option('server.baseUrlPath').strip('/')}")
    return None


def opened_url() -> str:
    """The app's base URL as this tab opened it ("" when unknown, e.g. in tests)."""
    if not st.context.url:
        return ""
    parts = urlsplit(st.context.url)
    path = st.get_option("server.baseUrlPath").strip("/")
    return base_url(f"{parts.scheme}://{parts.netloc}/{path}")


def page_url(path: str) -> str:
    """The address of the page at `path` (e.g. "playground") for a student's browser."""
    return f"{public_url() or opened_url()}/{path}"


def show_address_for_students() -> None:
    """In the sidebar: the address to type, or, when it is only this computer's, how to set it."""
    url = public_url() or opened_url()
    if url and urlsplit(url).hostname not in LOOPBACK_HOSTS:
        st.markdown(f"Students open  \n**{url}**")
    elif url:
        st.caption(
            f"Students cannot open `{url}`: it is this computer. Start the server with "
            f"`{PUBLIC_URL_ENV}` set to an address they can open (README: *Running it for a class*)."
        )
