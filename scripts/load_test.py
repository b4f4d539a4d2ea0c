"""Load test: N browser sessions train at once on one server; do all their pages keep updating?

Starts `streamlit run app.py` on a free port (or uses --url), opens N separate browser contexts (one
session each) in headless Chromium, presses Start on the Train page in every one, then for --seconds
counts how often each page's loss chart changes. Prints, per page: time from Start to the first point,
chart updates per second, and training samples/s; and the server's memory (RSS) and thread count.

    python scripts/load_test.py --sessions 10 --seconds 20

Classroom mode (issue 20): a teacher's class with one challenge (made through the engine, on a fresh
database); N browser sessions open the Classroom page, join the class with its code and a name, open the
challenge on Train, press Start, and once their run has ended hand it in on the Classroom page. Then it
counts, from the database, the runs recorded and the hand-ins scored for every student (zero lost is the
bar), and prints per phase the time taken, the CPU the server used, the CPU the browsers used, what else
the machine did, and the machine's load average.

    python scripts/load_test.py --classroom --sessions 30

A benchmark, not a test: it prints numbers (with the device) and asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_MS = 300_000  # one step of one page, with 30 pages sharing 2 cores
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


def start_server(cpu_slots: int | None, env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, **(env or {}), **({"DLP_CPU_SLOTS": str(cpu_slots)} if cpu_slots else {})}
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
    """CPU time of the Chromium processes this script started (its browser and the renderers), not those
    of anyone else on the machine."""
    parents = {
        pid: _parent(pid) for pid in (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
    }
    ours, grew = {os.getpid()}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in ours} - ours
        ours, grew = ours | found, bool(found)
    return sum(cpu_seconds(pid) for pid in ours if _command(pid) in ("chromium", "chrome"))


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


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
    parser.add_argument("--classroom", action="store_true", help="students join a class and hand in runs")
    parser.add_argument("--dataset", default="digits", help="the classroom challenge's dataset")
    parser.add_argument("--max-epochs", type=int, default=10, help="the classroom challenge's epoch limit")
    args = parser.parse_args()
    if args.sessions < 1 or args.seconds <= 0 or args.epochs < 1:
        parser.error("--sessions and --epochs need 1 or more, --seconds more than 0")
    if args.classroom:
        report_classroom(classroom(args), args.json)
        return

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


# --- classroom mode ---------------------------------------------------------------------------------


def machine_busy_seconds() -> float:
    """CPU time every core of the machine has spent busy since boot (s), from /proc/stat."""
    user, nice, system, idle, iowait, irq, softirq, steal = map(
        int, Path("/proc/stat").read_text().split()[1:9]
    )
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Meter:
    """Per phase: wall time, CPU (cores on average) of the server, of this script's browsers and of the
    rest of the machine (other programs, this script), and the 1-minute load average sampled each second."""

    def __init__(self, server_pid: int):
        self.server_pid, self.phases, self.loads = server_pid, [], []
        self._start = self._reading()
        self._sampling = threading.Event()
        threading.Thread(target=self._sample, daemon=True).start()

    def _reading(self) -> tuple[float, float, float, float]:
        return time.monotonic(), cpu_seconds(self.server_pid), browser_cpu_seconds(), machine_busy_seconds()

    def _sample(self) -> None:
        while not self._sampling.wait(1.0):
            self.loads.append(os.getloadavg()[0])

    def phase_ended(self, name: str, first_load: int) -> None:
        now = self._reading()
        wall, server, browsers, machine = (b - a for a, b in zip(self._start, now, strict=True))
        loads = self.loads[first_load:] or [os.getloadavg()[0]]
        self.phases.append(
            {
                "phase": name,
                "seconds": wall,
                "server_cpu_s": server,
                "browser_cpu_s": browsers,
                "server_cores": server / wall,
                "browser_cores": browsers / wall,
                "other_cores": max(machine - server - browsers, 0.0) / wall,
                "load_mean": statistics.fmean(loads),
                "load_max": max(loads),
            }
        )
        self._start = now

    def measure(self, name: str, action) -> None:
        first = len(self.loads)
        action()
        self.phase_ended(name, first)

    def stop(self) -> None:
        self._sampling.set()


def open_classroom_page(browser, url: str, code: str):
    """A student's tab on the class's link (the teacher's page shows it: the code is filled in)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{url}/classroom?code={code}")
    return page


def join(pages) -> None:
    for i, page in enumerate(pages, 1):
        page.get_by_label("Your name").fill(f"Student {i:02d}", timeout=TIMEOUT_MS)
        page.get_by_role("button", name="Join", exact=True).click()
    for page in pages:
        page.get_by_role("button", name="Open on Train").wait_for(timeout=TIMEOUT_MS)


def start_training(pages) -> None:
    for page in pages:
        page.get_by_role("button", name="Open on Train").click()
    for page in pages:
        page.get_by_role("button", name="Start").click(timeout=TIMEOUT_MS)


def open_from_the_sidebar(page, title: str) -> None:
    navigation = page.get_by_test_id("stSidebarNav")
    navigation.wait_for(timeout=TIMEOUT_MS)
    link = navigation.get_by_role("link", name=title)
    if not link.is_visible():  # the navigation folds its last pages under "View N more"
        navigation.get_by_text(re.compile(r"^View \d+ more$")).click(timeout=TIMEOUT_MS)
    link.click(timeout=TIMEOUT_MS)


def wait_for_runs(service, klass, sessions: int, timeout_s: float) -> None:
    """Until every student's run has ended (read from the database), or `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        students = service.students(klass.id)
        ended = [s for s in students if any(not r.alive for r in service.store.runs(owner=s.owner))]
        if len(students) == sessions and len(ended) == sessions:
            return
        time.sleep(1.0)
    print(f"not every run ended within {timeout_s:.0f} s", file=sys.stderr)


def hand_in(pages) -> None:
    for page in pages:
        open_from_the_sidebar(page, "Classroom")  # the same tab: still the student
    for page in pages:
        page.get_by_role("button", name="Hand in", exact=True).click(timeout=TIMEOUT_MS)
    for page in pages:
        page.get_by_text("scored on examples you never saw").wait_for(timeout=TIMEOUT_MS)


def tally(service, klass) -> dict:
    """What the database holds for the class: students, runs recorded and ended, hand-ins scored."""
    students = service.students(klass.id)
    runs = {s.id: service.store.runs(owner=s.owner) for s in students}
    scored = {s.id: [h for h in service.hand_ins(s) if h.score is not None] for s in students}
    scores = [h.score for handed in scored.values() for h in handed]
    return {
        "students_joined": len(students),
        "runs_recorded": sum(len(r) for r in runs.values()),
        "students_with_an_ended_run": sum(any(not r.alive for r in rs) for rs in runs.values()),
        "hand_ins_scored": sum(len(h) for h in scored.values()),
        "students_scored": sum(bool(h) for h in scored.values()),
        "score_min": min(scores, default=None),
        "score_median": statistics.median(scores) if scores else None,
    }


def classroom(args) -> dict:
    """The classroom run (see the module's docstring): its phases and what the database holds after."""
    password = "load-test-teacher"
    env = {"DLP_DATA_DIR": tempfile.mkdtemp(prefix="dlp-load-class-"), "DLP_TEACHER_PASSWORD": password}
    os.environ.update(env)  # this process reads the same database as the server
    sys.path.insert(0, str(ROOT))
    import dlcore

    service = dlcore.classroom_service()
    klass = service.create_class("Load test")
    service.create_challenge(klass.id, "Load test", args.dataset, target=0.5, max_epochs=args.max_epochs)
    load_before = os.getloadavg()[0]
    server, url = start_server(args.cpu_slots, env)
    meter = Meter(server.pid)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=os.environ.get("DLP_CHROMIUM", "/usr/bin/chromium"), args=CHROMIUM_ARGS
            )
            pages = []
            meter.measure(
                "open the Classroom page",
                lambda: pages.extend(
                    open_classroom_page(browser, url, klass.code) for _ in range(args.sessions)
                ),
            )
            meter.measure("join the class", lambda: join(pages))
            meter.measure("open on Train, Start", lambda: start_training(pages))
            meter.measure(
                "train until every run ended", lambda: wait_for_runs(service, klass, args.sessions, 900)
            )
            memory = server_memory(server.pid)
            meter.measure("hand in, see the score", lambda: hand_in(pages))
            browser.close()
    finally:
        meter.stop()
        server.terminate()
        server.wait(timeout=20)
    return {
        "device": f"CPU {platform.machine()}, {os.cpu_count()} cores (server and browsers on the same CPU)",
        "sessions": args.sessions,
        "dataset": args.dataset,
        "max_epochs": args.max_epochs,
        "load_average_before": load_before,
        "server_after_training": memory,
        "phases": meter.phases,
        **tally(service, klass),
    }


def report_classroom(result: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2, default=str))
        return
    n = result["sessions"]
    print(f"{n} students in one class on {result['device']}")
    print(f"challenge: {result['dataset']}, at most {result['max_epochs']} epochs")
    print(f"machine load (1 min) before: {result['load_average_before']:.1f}")
    print(f"{'phase':<30} {'time':>8}  CPU s: server browsers  cores: server browsers others  load")
    for p in result["phases"]:
        print(
            f"  {p['phase']:<28} {p['seconds']:6.1f} s  {p['server_cpu_s']:13.1f} {p['browser_cpu_s']:8.1f}"
            f" {p['server_cores']:13.2f} {p['browser_cores']:8.2f} {p['other_cores']:6.2f}"
            f"  {p['load_mean']:5.1f} (max {p['load_max']:.1f})"
        )
    server_s = sum(p["server_cpu_s"] for p in result["phases"])
    print(f"server CPU for the whole class: {server_s:.1f} s ({server_s / n:.2f} s per student)")
    lost = n - result["students_scored"]
    print(
        f"joined {result['students_joined']} of {n}; runs recorded {result['runs_recorded']}, "
        f"students with an ended run {result['students_with_an_ended_run']}; "
        f"hand-ins scored {result['hand_ins_scored']} ({result['students_scored']} students); lost: {lost}"
    )
    if result["score_min"] is not None:
        print(f"hidden-set scores: min {result['score_min']:.3f}, median {result['score_median']:.3f}")
    if mem := result["server_after_training"]:
        print(f"server after training: {mem['rss_mib']:.0f} MiB RSS, {mem['threads']} threads")


if __name__ == "__main__":
    main()
