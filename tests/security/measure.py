"""Open crafted files the way the app does, each in a fresh process, and report the error and memory used.

    python -m tests.security.measure                      # every crafted file: a Markdown table
    python -m tests.security.measure KIND:PATH ...        # those files (JSON lines), as the tests run it

Memory is the growth of the process's peak resident set (ru_maxrss) across the call: imports and the
file's bytes (already in memory on a server) are in the baseline. One process imports the engine, then
forks a child per file, so every file starts from the same baseline and no peak carries over.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _openers():
    import dlcore

    return {
        "checkpoint": dlcore.load_checkpoint,  # Train page, "Load a saved model"
        "image": dlcore.decode_image,  # Inspect / Explain / Adversarial, "Upload"
        "table": lambda data: dlcore.data.from_csv(data, target="y"),  # the CSV dataset API
        "points": lambda data: dlcore.playground.points_from_csv(io.BytesIO(data)),  # 2-D Playground
    }


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def open_one(kind: str, path: Path) -> dict:
    """In this process: open the file at `path` as `kind`; the outcome and the peak memory growth."""
    import PIL.Image  # noqa: F401  (imports the openers need belong to the baseline)

    import dlcore

    opener = _openers()[kind]
    data = path.read_bytes()
    before = _peak_mb()
    outcome: dict = {"error": None, "dlcore_error": False, "message": ""}
    try:
        opener(data)
    except Exception as err:  # the outcome is what is being measured
        outcome = {
            "error": type(err).__name__,
            "dlcore_error": isinstance(err, dlcore.DlcoreError),
            "message": str(err),
        }
    outcome["growth_mb"] = round(_peak_mb() - before, 1)
    return outcome


def _open_in_child(kind: str, path: Path) -> dict:
    """open_one in a forked child (its peak starts at this process's size); the outcome over a pipe."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report, then leave at once (no atexit handlers, no test machinery)
        os.close(read_end)
        try:
            outcome = open_one(kind, path)
        except BaseException as err:  # a crash is an outcome too
            outcome = {"error": repr(err), "dlcore_error": False, "message": "", "growth_mb": None}
        os.write(write_end, json.dumps(outcome).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not report:
        return {
            "error": f"the process ended ({status})",
            "dlcore_error": False,
            "message": "",
            "growth_mb": None,
        }
    return json.loads(report)


def measure_all(files: dict[str, tuple[str, Path]], timeout_s: float = 900) -> dict[str, dict]:
    """{name: outcome} for {name: (kind, path)}, measured in one fresh process."""
    args = [f"{kind}:{path}" for kind, path in files.values()]
    done = subprocess.run(
        [sys.executable, "-m", "tests.security.measure", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or len(lines) != len(files):
        raise RuntimeError(f"measuring failed ({done.returncode}): {done.stderr[-3000:]}")
    return {name: json.loads(line) for name, line in zip(files, lines, strict=True)}


def table() -> str:
    from tests.security.crafted import CRAFTED

    lines = ["| file | what | size | outcome | peak memory growth |", "|---|---|---:|---|---:|"]
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for crafted in CRAFTED:
            files[crafted.name] = (crafted.kind, Path(folder) / crafted.name)
            files[crafted.name][1].write_bytes(crafted.make())
        outcomes = measure_all(files)
        for crafted in CRAFTED:
            out, size = outcomes[crafted.name], files[crafted.name][1].stat().st_size
            lines.append(
                f"| {crafted.name} | {crafted.why} | {size / 1024:,.0f} KB | {out['error'] or 'accepted'} | "
                f"{out['growth_mb']} MB |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        import dlcore  # noqa: F401  (once, before the children fork)

        for arg in sys.argv[1:]:
            kind, _, path = arg.partition(":")
            print(json.dumps(_open_in_child(kind, Path(path))), flush=True)
    else:
        print(table())
