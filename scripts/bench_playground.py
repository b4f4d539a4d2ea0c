"""Benchmark of the 2-D playground: does training keep its pace while the views redraw several times a second?

    python scripts/bench_playground.py              # engine alone, plain PyTorch, engine + view redraws
    python scripts/bench_playground.py --browser    # also the real page in headless Chromium

Prints steps/s and redraws/s with the device. A "redraw" is everything the page's live fragment computes
per poll: a model snapshot, every neuron's picture (one forward pass over a 50x50 grid), train/test loss,
the network, boundary and loss figures, serialised to JSON as Streamlit sends them.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere without installing

from bench_pages import arguments, page_in_chromium, print_machine, report, train_and_redraw, watch_changes  # noqa: E402

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

    def redraw_each() -> float:  # the JSON size sent per network
        sizes = [redraw(state, *views) for views in zip(networks, jobs, histories, strict=True)]
        return sum(sizes) / len(sizes)

    return train_and_redraw(jobs, seconds, poll_s, redraw_each)


def browser_run(seconds: float) -> dict:
    """The real page: press Play in headless Chromium and count how often the epoch counter changes."""
    with page_in_chromium("/playground", 1400, 1000) as page:
        epoch = "parseInt(document.querySelector('.pg-epoch').innerText.replace(/\\D/g, ''))"
        page.wait_for_selector(".pg-epoch", timeout=60_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(f"() => {epoch} > 0")
        steps_per_epoch = 25  # 250 training points of circle, batch 10
        return watch_changes(page, seconds, changed=epoch, step=epoch, steps_per_count=steps_per_epoch)


def main() -> None:
    parser = arguments(__doc__, poll_s=0.15)
    args = parser.parse_args()

    print_machine(args.poll)
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


if __name__ == "__main__":
    main()
