"""Load test: N browser sessions train at once on one server; do all their pages keep updating?

Starts `streamlit run app.py` on a free port (or uses --url), opens N separate browser contexts (one
session each) in headless Chromium, presses Start on the Train page in every one, then for --seconds
counts how often each page's loss chart changes. Prints, per page: time from Start to the first point,
chart updates per second, and training samples/s; and the server's memory (RSS) and thread count.

    python scripts/load_test.py --sessions 10 --seconds 20

A benchmark, not a test: it prints numbers (with the device) and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]
# Runs in each page: sample the loss chart 20 times a second and count how often its content changed.
WATCH_CHART = """() => {
    window.__updates = 0; window.__firstPointAt = null; let last = "";
    setInterval(() => {
        const plot = document.querySelector('.st-key-loss_chart .js-plotly-plot');
        const trace = plot && plot._fullData && plot._fullData[0];
        if (!trace || !trace.x.length) return;
        if (window.__firstPointAt === null) window.__firstPointAt = performance.now();
        const state = trace.x.length + ':' + trace.x[trace.x.length - 1];
        if (state !== last) { window.__updates += 1; last = state; }
    }, 50);
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(cpu_slots: int | None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **({"DLP_CPU_SLOTS": str(cpu_slots)} if cpu_slots else {})}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("streamlit did not start")


def server_memory(pid: int) -> dict:
    """Resident memory (MiB) and thread count of the server process, from /proc (Linux)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {"rss_mib": int(fields["VmRSS"].split()[0]) / 1024, "threads": int(fields["Threads"])}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, s) a process has used so far, from /proc (Linux); 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browser_cpu_seconds() -> float:
    """CPU time of every Chromium process on the machine (the load test's browser and its renderers)."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    return sum(cpu_seconds(pid) for pid in pids if _command(pid) in ("chromium", "chrome"))


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def open_train_page(browser, url: str, epochs: int):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.goto(url + "/train")
    page.get_by_role("button", name="Start").wait_for(timeout=120_000)
    page.locator("summary", has_text="Data and settings").click()  # the settings fold away
    epochs_box = page.get_by_role("spinbutton", name="epochs")
    epochs_box.fill(str(epochs))
    epochs_box.press("Enter")
    page.wait_for_timeout(1500)
    page.evaluate(WATCH_CHART)
    return page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--epochs", type=int, default=2000, help="long enough to train through the window")
    parser.add_argument("--url", help="use a running server instead of starting one (no memory figures)")
    parser.add_argument("--cpu-slots", type=int, help="runs computing at once on the CPU (DLP_CPU_SLOTS)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.sessions < 1 or args.seconds <= 0 or args.epochs < 1:
        parser.error("--sessions and --epochs need 1 or more, --seconds more than 0")

    load_before = os.getloadavg()[0]
    server, url = (None, args.url) if args.url else start_server(args.cpu_slots)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("DLP_CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS
            )
            pages = [open_train_page(browser, url, args.epochs) for _ in range(args.sessions)]
            memory_idle = server_memory(server.pid) if server else {}
            started = []
            for page in pages:
                page.get_by_role("button", name="Start").click()
                started.append(page.evaluate("() => performance.now()"))
            try:  # measure from the moment the first chart moves (or after a minute, if none does)
                pages[0].wait_for_function("() => window.__firstPointAt !== null", timeout=60_000)
            except PlaywrightTimeout:
                print("no chart moved within a minute of Start", file=sys.stderr)
            for page in pages:
                page.evaluate("() => { window.__updates = 0; }")
            cpu_before = (cpu_seconds(server.pid) if server else 0.0, browser_cpu_seconds())
            time.sleep(args.seconds)
            cpu_after = (cpu_seconds(server.pid) if server else 0.0, browser_cpu_seconds())
            rows = []
            for page, start in zip(pages, started, strict=True):
                updates, first = page.evaluate("() => [window.__updates, window.__firstPointAt]")
                progress = page.locator("[data-testid='stProgress']")
                queued = page.get_by_text("Waiting for a turn").count() > 0
                rows.append(
                    {
                        "updates_per_s": updates / args.seconds,
                        "first_point_s": None if first is None else (first - start) / 1000,
                        "queued": queued,
                        "progress": progress.first.inner_text().strip() if progress.count() else "",
                    }
                )
            memory_busy = server_memory(server.pid) if server else {}
            browser.close()
    finally:
        if server:
            server.terminate()
            server.wait(timeout=20)

    rates = [r["updates_per_s"] for r in rows]
    server_cpu, browser_cpu = (
        (after - before) / args.seconds for before, after in zip(cpu_before, cpu_after, strict=True)
    )
    firsts = [r["first_point_s"] for r in rows if r["first_point_s"] is not None]
    summary = {
        "device": f"CPU {platform.machine()}, {os.cpu_count()} cores (training on the server's CPU)",
        "sessions": args.sessions,
        "cpu_slots": args.cpu_slots or "default",
        "queued": sum(r["queued"] for r in rows),
        "seconds": args.seconds,
        "updates_per_s_min": min(rates),
        "updates_per_s_median": statistics.median(rates),
        "first_point_s_max": max(firsts) if firsts else None,
        "server_cpu_cores": server_cpu if server else None,
        "browser_cpu_cores": browser_cpu,
        "browser_cpu_ms_per_update": 1000 * browser_cpu / max(sum(rates), 1e-9),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
        "server_before": memory_idle,
        "server_training": memory_busy,
    }
    if args.json:
        print(json.dumps({"summary": summary, "pages": rows}, indent=2))
        return
    print(f"{args.sessions} sessions training at once for {args.seconds:g} s on {summary['device']}")
    print(f"machine load (1 min) before / after: {load_before:.1f} / {summary['load_average_after']:.1f}")
    for i, row in enumerate(rows, 1):
        first = "–" if row["first_point_s"] is None else f"{row['first_point_s']:.2f} s"
        state = "queued" if row["queued"] else row["progress"]
        print(f"  page {i:2d}: {row['updates_per_s']:.1f} chart updates/s, first point {first}  [{state}]")
    print(f"waiting to start (not yet a first turn): {summary['queued']} of {args.sessions}")
    print(f"updates/s: min {summary['updates_per_s_min']:.1f}, median {summary['updates_per_s_median']:.1f}")
    if server:
        print(f"CPU used while measuring: server {server_cpu:.2f} cores, browsers {browser_cpu:.2f} cores")
    print(f"browser CPU per chart update: {summary['browser_cpu_ms_per_update']:.0f} ms")
    for label, mem in (("idle (pages open)", memory_idle), ("all training", memory_busy)):
        if mem:
            print(f"server {label}: {mem['rss_mib']:.0f} MiB RSS, {mem['threads']} threads")


if __name__ == "__main__":
    main()
