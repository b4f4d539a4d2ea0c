"""Benchmark of the 2-D playground: does training keep its pace while the views redraw several times a second?

    python scripts/bench_playground.py              # engine alone, plain PyTorch, engine + view redraws
    python scripts/bench_playground.py --browser    # also the real page in headless Chromium

Prints steps/s and redraws/s with the device. A "redraw" is everything the page's live fragment computes
per poll: a model snapshot, every neuron's picture (one forward pass over a 50x50 grid), train/test loss,
the network, boundary and loss figures, serialised to JSON as Streamlit sends them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

import dlcore  # noqa: E402
from dlcore import playground as pg  # noqa: E402
from dlcore import plots  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = {
    "default (2 inputs, 4-2 tanh, batch 10, SGD)": "",
    "largest TF-size (7 inputs, 6x8 relu, batch 10, SGD)": "features=x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2)"
    "&layers=8,8,8,8,8,8&act=relu",
}


def state_from(link: str) -> pg.Playground:
    query = dict(part.split("=", 1) for part in link.split("&") if part)
    state, problems = pg.from_query(query)
    assert not problems, problems
    return state


def raw_torch_steps_per_s(state: pg.Playground, seconds: float) -> float:
    """The same network, data and batch size in a plain PyTorch loop: the pace to keep."""
    torch.set_num_threads(1)
    ds = dlcore.data.load(state.dataset, **pg.dataset_options(state, state.a))
    model = dlcore.build_model(pg.model_spec(state, state.a))
    optimizer = torch.optim.SGD(model.parameters(), lr=state.a.learning_rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = ds.train
    batch = state.a.batch_size
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for idx in torch.randperm(len(x)).split(batch):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(x[idx]), y[idx]).backward()
            optimizer.step()
            steps += 1
    return steps / (time.perf_counter() - start)


def start_job(state: pg.Playground, network: pg.Network):
    ds = dlcore.data.load(state.dataset, **pg.dataset_options(state, network))
    return dlcore.start_training(
        pg.model_spec(state, network), ds, pg.train_config(state, network), paused=True
    )


def redraw(state: pg.Playground, network: pg.Network, job, history: list[dict]) -> int:
    """What the live fragment does per poll; returns the JSON size sent."""
    model = job.snapshot()
    maps = pg.neuron_maps(model, network, 50)
    scores = pg.evaluate(model, job.dataset, pg.loss_name(state, network))
    history.append({"epoch": job.progress()["epoch"], **scores})
    names = ["class 0", "class 1"]
    figures = [
        plots.network_figure(maps, pg.network_weights(model, network), network, names).figure,
        plots.boundary_figure(
            maps.boundary(state.task),
            state.task,
            (job.dataset.raw_2d.train.numpy(), job.dataset.train[1].numpy()),
        ),
        plots.loss_figure(history[-300:]),
        plots.grad_norm_figure(pg.latest_grad_norms(job.grad_norms(), network)),
    ]
    return sum(len(f.to_json()) for f in figures)


def engine_run(state: pg.Playground, seconds: float, poll_s: float | None) -> dict:
    """Train every network of `state` at once for `seconds`; with `poll_s`, redraw each that often."""
    networks = list(state.networks().values())
    jobs = [start_job(state, net) for net in networks]
    histories: list[list[dict]] = [[] for _ in jobs]
    for job in jobs:
        job.resume()
    redraw_s, redraw_cpu_s, sizes = [], [], []
    start = time.perf_counter()
    try:
        while time.perf_counter() - start < seconds:
            tick, cpu = time.perf_counter(), time.thread_time()
            if poll_s is None:
                time.sleep(0.05)
                continue
            for net, job, history in zip(networks, jobs, histories, strict=True):
                sizes.append(redraw(state, net, job, history))
            redraw_s.append(time.perf_counter() - tick)
            redraw_cpu_s.append(time.thread_time() - cpu)
            time.sleep(max(0.0, poll_s - (time.perf_counter() - tick)))
        elapsed = time.perf_counter() - start
        steps = [job.progress()["step"] for job in jobs]
    finally:
        for job in jobs:
            job.stop()
            job.wait(10)
    out = {"steps_per_s": min(steps) / elapsed}
    if redraw_s:
        out["redraws_per_s"] = len(redraw_s) / elapsed
        out["redraw_ms_median"] = 1000 * statistics.median(redraw_s)
        out["redraw_ms_p95"] = 1000 * sorted(redraw_s)[int(0.95 * (len(redraw_s) - 1))]
        out["json_kb"] = statistics.mean(sizes) / 1024
        out["redraw_cpu_ms"] = 1000 * statistics.median(redraw_cpu_s)
    return out


def browser_run(seconds: float) -> dict:
    """The real page: press Play in headless Chromium and count how often the epoch counter changes."""
    from load_test import CHROMIUM_ARGS, start_server  # the app engineer's server and browser setup
    from playwright.sync_api import sync_playwright

    server, url = start_server(None)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/playground")
            page.wait_for_selector(".pg-epoch", timeout=60_000)
            page.get_by_role("button", name="Play").click()
            page.wait_for_function(
                "() => parseInt(document.querySelector('.pg-epoch').innerText.replace(/\\D/g, '')) > 0"
            )
            # record (time, epoch) at every change of the counter, as the student sees it
            page.evaluate(
                """() => { window.seen = [];
                  const read = () =>
                    parseInt(document.querySelector('.pg-epoch').innerText.replace(/\\D/g, ''));
                  let last = read();
                  setInterval(() => { const now = read(); if (now !== last) { last = now;
                    window.seen.push([performance.now(), now]); } }, 10); }"""
            )
            time.sleep(seconds)
            seen = page.evaluate("() => window.seen")
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    if len(seen) < 2:
        return {"redraws_per_s": 0.0, "steps_per_s": 0.0}
    span_s = (seen[-1][0] - seen[0][0]) / 1000
    steps_per_epoch = 25  # 250 training points of circle, batch 10
    return {
        "redraws_per_s": (len(seen) - 1) / span_s,
        "steps_per_s": (seen[-1][1] - seen[0][1]) * steps_per_epoch / span_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument(
        "--poll", type=float, default=0.15, help="seconds between redraws (the page's run_every)"
    )
    parser.add_argument(
        "--browser", action="store_true", help="also measure the real page in headless Chromium"
    )
    args = parser.parse_args()

    info = dlcore.device_info()
    threads = torch.get_num_threads()
    print(f"device: {info['device']} ({info['name']}), torch {torch.__version__}, {threads} threads")
    print(f"redraws every {args.poll:g} s; the machine's load average: {os.getloadavg()[0]:.1f}")
    for name, link in NETWORKS.items():
        state = state_from(link)
        print(f"\n{name}")
        report("plain PyTorch loop", {"steps_per_s": raw_torch_steps_per_s(state, args.seconds)})
        report("engine alone", engine_run(state, args.seconds, None))
        report("engine + redraws", engine_run(state, args.seconds, args.poll))
    print("\nA/B: two default networks at once, both redrawn")
    report("engine + redraws (each)", engine_run(state_from("compare=1&b.act=relu"), args.seconds, args.poll))
    if args.browser:
        print("\nthe real page in headless Chromium, default network, counted where the student looks")
        report("page", browser_run(args.seconds))


def report(label: str, result: dict) -> None:
    line = f"  {label:26s}{result['steps_per_s']:8.0f} steps/s"
    if "redraws_per_s" in result:
        line += f", {result['redraws_per_s']:.1f} redraws/s"
    if "redraw_ms_median" in result:
        line += (
            f" (median {result['redraw_ms_median']:.0f} ms, p95 {result['redraw_ms_p95']:.0f} ms, "
            f"CPU {result['redraw_cpu_ms']:.0f} ms, {result['json_kb']:.0f} kB)"
        )
    print(line)


if __name__ == "__main__":
    main()
