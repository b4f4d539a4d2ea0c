"""`python -m dlcore bench`: the training engine against hand-written PyTorch loops, in one process.

The workloads, each a model (or two) + data of a fixed shape:
  mlp2d                2 -> 8 -> 8 -> 1 tanh MLP, binary (TensorFlow-Playground size), batch 10
  cnn28                two conv/pool blocks on 28x28 images, 10 classes, batch 128
  lstm_seq             LSTM(64) over 50 steps -> the sum of the sequence (regression), batch 64
  transformer_reverse  2-layer transformer encoder reversing 32 tokens of a 16-word vocabulary, batch 64
  gan2d                the GAN presets: 8 -> 64 -> 64 -> 2 generator, 2 -> 64 -> 64 -> 1 discriminator, on
                       the 8-Gaussian ring, batch 128, one discriminator step per generator step
  diffusion2d          the diffusion_denoiser preset (3 -> 128 -> 128 -> 128 -> 2 SiLU MLP) learning to
                       predict DDPM noise on two moons, T = 100, batch 256

The engine trains each from a ModelSpec in its recipe's role (gan2d: a spec per role) through
`start_training` with its live metrics on (per-step loss, layer norms, dead-ReLU probes, epoch scores).
The baseline is the same network written as plain `torch.nn` modules and trained by a loop a careful
person would write:
  fast   the dataset resident on the device, index batches, no host sync until the end (CPU baseline)
  graph  fast, with the whole step captured in one CUDA graph and replayed (GPU baseline)
Both are timed in steady state (after a warm-up) over the same number of seconds; the ratio is
engine / baseline steps per second.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import torch
from torch import nn

from dlcore.data import Dataset
from dlcore.presets import presets
from dlcore.spec import ModelSpec

if TYPE_CHECKING:
    from dlcore.training import TrainConfig

# --- workloads -------------------------------------------------------------------------------------------


@dataclass
class Workload:
    name: str
    spec: dict  # the model as the app would hold it
    plain_model: Callable[[], nn.Module]  # the same network, written by hand
    make_data: Callable[[torch.Generator], tuple[torch.Tensor, torch.Tensor]]
    task: str
    loss: str
    batch_size: int
    num_classes: int | None = None
    recipe: str = "supervised"
    role: str = "model"  # the model's role in its recipe

    def loops(self, style: str, device: torch.device, max_seconds: float) -> tuple[PlainLoop, EngineRun]:
        from dlcore.training import TrainConfig

        ds = workload_dataset(self, *self.make_data(torch.Generator().manual_seed(0)))
        cfg = TrainConfig(
            recipe=self.recipe,
            loss=self.loss,
            optimizer="adam",
            lr=1e-3,
            batch_size=self.batch_size,
            epochs=None,
            device=device.type,
            max_seconds=max_seconds,
        )
        models = {self.role: ModelSpec.from_dict(self.spec)}
        return PlainLoop(self, style, device), EngineRun(models, ds, cfg, device)


@dataclass
class GanWorkload:
    """A generator and a discriminator (the GAN presets' networks) taking turns on a generative dataset."""

    name: str
    dataset: str  # every example of its training split is used
    batch_size: int
    d_steps: int = 1  # discriminator steps per generator step
    latent: int = 8  # the generator preset's input size
    lr: float = 2e-3
    betas: tuple[float, float] = (0.5, 0.999)

    @property
    def specs(self) -> dict[str, ModelSpec]:
        return {role: presets()[f"gan_{role}"] for role in ("generator", "discriminator")}

    def make_dataset(self) -> Dataset:
        """The dataset's training split alone (the baseline has no validation either)."""
        from dlcore.data import load

        ds = load(self.dataset)
        x, y = ds.train
        return replace(ds, val=(x[:0], y[:0]), test=(x[:0], y[:0]))

    def plain_generator(self) -> nn.Module:
        return nn.Sequential(
            nn.Linear(self.latent, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2)
        )

    @staticmethod
    def plain_discriminator() -> nn.Module:
        return nn.Sequential(
            nn.Linear(2, 64), nn.LeakyReLU(0.2), nn.Linear(64, 64), nn.LeakyReLU(0.2), nn.Linear(64, 1)
        )

    def loops(self, style: str, device: torch.device, max_seconds: float) -> tuple[PlainLoop, EngineRun]:
        from dlcore.training import TrainConfig

        cfg = TrainConfig(
            recipe="gan",
            recipe_options={"d_steps": self.d_steps},
            optimizer="adam",
            optimizer_options={"beta1": self.betas[0], "beta2": self.betas[1]},
            lr=self.lr,
            batch_size=self.batch_size,
            epochs=None,
            device=device.type,
            max_seconds=max_seconds,
        )
        return PlainGanLoop(self, style, device), EngineRun(self.specs, self.make_dataset(), cfg, device)


class _LastStepLSTM(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(1, 64, batch_first=True)
        self.out = nn.Linear(64, 1)

    def forward(self, x):  # (B, 50, 1) -> (B, 1)
        sequence, _ = self.lstm(x)
        return self.out(sequence[:, -1])


class _ReverseTransformer(nn.Module):
    def __init__(self, vocab: int = 16, dim: int = 64, length: int = 32):
        super().__init__()
        self.tokens = nn.Embedding(vocab, dim)
        self.positions = nn.Parameter(torch.zeros(1, length, dim))
        block = nn.TransformerEncoderLayer(dim, 4, 4 * dim, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(block, 2, enable_nested_tensor=False)
        self.head = nn.Linear(dim, vocab)

    def forward(self, tokens):  # (B, L) -> (B, V, L), the layout cross_entropy takes
        return self.head(self.encoder(self.tokens(tokens) + self.positions)).transpose(1, 2)


class _PlainDDPM(nn.Module):
    """DDPM's training forward pass written out: noise the batch at random timesteps (linear β from 1e-3
    to 0.2 over T = 100 steps), then predict that noise from x_t and t / (T − 1). Returns (guess, noise)."""

    def __init__(self, timesteps: int = 100):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(3, 128),
            nn.SiLU(),
            nn.Linear(128, 128),
            nn.SiLU(),
            nn.Linear(128, 128),
            nn.SiLU(),
            nn.Linear(128, 2),
        )
        alpha_bar = torch.cumprod(1 - torch.linspace(1e-3, 0.2, timesteps, dtype=torch.float64), 0)
        self.register_buffer("signal", alpha_bar.sqrt().float())
        self.register_buffer("noise", (1 - alpha_bar).sqrt().float())
        self.timesteps = timesteps

    def forward(self, x0):  # (B, 2) -> ((B, 2), (B, 2))
        t = torch.randint(0, self.timesteps, (len(x0),), device=x0.device)
        eps = torch.randn_like(x0)
        xt = self.signal[t, None] * x0 + self.noise[t, None] * eps
        return self.net(torch.cat([xt, t[:, None] / (self.timesteps - 1)], dim=1)), eps


def _mlp2d_data(g):
    x = torch.randn(1000, 2, generator=g)
    return x, (x.norm(dim=1) < 1.0).long()  # inside the unit circle or not


def _images_data(g):
    return torch.randn(10000, 1, 28, 28, generator=g), torch.randint(0, 10, (10000,), generator=g)


def _sum_data(g):
    x = torch.randn(4000, 50, 1, generator=g)
    return x, x.sum(dim=1)  # (N, 1)


def _reverse_data(g):
    x = torch.randint(0, 16, (4000, 32), generator=g)
    return x, x.flip(1)


def _moons_data(g):
    from dlcore.data import load

    ds = load("two_moons")  # the dataset's own seed: the same 2,000 points every time
    return torch.cat([ds.train[0], ds.val[0], ds.test[0]]), torch.zeros(2000, 0)


WORKLOADS = {
    w.name: w
    for w in (
        Workload(
            "mlp2d",
            {
                "input_shape": [2],
                "layers": [
                    {"type": "Linear", "out_features": 8},
                    {"type": "Tanh"},
                    {"type": "Linear", "out_features": 8},
                    {"type": "Tanh"},
                    {"type": "Linear", "out_features": 1},
                ],
            },
            lambda: nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 1)),
            _mlp2d_data,
            "binary",
            "bce_with_logits",
            10,
            num_classes=2,
        ),
        Workload(
            "cnn28",
            {
                "input_shape": [1, 28, 28],
                "layers": [
                    {"type": "Conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
                    {"type": "ReLU"},
                    {"type": "MaxPool2d", "kernel_size": 2},
                    {"type": "Conv2d", "out_channels": 32, "kernel_size": 3, "padding": 1},
                    {"type": "ReLU"},
                    {"type": "MaxPool2d", "kernel_size": 2},
                    {"type": "Flatten"},
                    {"type": "Linear", "out_features": 64},
                    {"type": "ReLU"},
                    {"type": "Linear", "out_features": 10},
                ],
            },
            lambda: nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(32 * 7 * 7, 64),
                nn.ReLU(),
                nn.Linear(64, 10),
            ),
            _images_data,
            "multiclass",
            "cross_entropy",
            128,
            num_classes=10,
        ),
        Workload(
            "lstm_seq",
            {
                "input_shape": [50, 1],
                "layers": [{"type": "LSTM", "hidden_size": 64}, {"type": "Linear", "out_features": 1}],
            },
            _LastStepLSTM,
            _sum_data,
            "regression",
            "mse",
            64,
        ),
        Workload(
            "transformer_reverse",
            {
                "input_shape": [32],
                "layers": [
                    {"type": "Embedding", "num_embeddings": 16, "embedding_dim": 64},
                    {"type": "PositionalEncoding", "kind": "learned"},
                    {"type": "TransformerEncoderLayer", "nhead": 4, "dim_feedforward": 256, "dropout": 0.0},
                    {"type": "TransformerEncoderLayer", "nhead": 4, "dim_feedforward": 256, "dropout": 0.0},
                    {"type": "Linear", "out_features": 16},
                ],
            },
            _ReverseTransformer,
            _reverse_data,
            "sequence-to-sequence",
            "cross_entropy",
            64,
            num_classes=16,
        ),
        GanWorkload("gan2d", "ring", 128),
        Workload(
            "diffusion2d",
            presets()["diffusion_denoiser"].to_dict(),
            _PlainDDPM,
            _moons_data,
            "generation",
            "mse",
            256,
            recipe="diffusion",
            role="denoiser",
        ),
    )
}


def workload_dataset(w: Workload, x: torch.Tensor, y: torch.Tensor) -> Dataset:
    """All examples in the training split (the baseline has no validation either)."""
    empty = (x[:0], y[:0])
    classes = w.num_classes
    return Dataset(
        name=w.name,
        task=w.task,
        family={"sequence-to-sequence": "tokens", "generation": "generative"}.get(w.task, "tabular"),
        input_shape=tuple(x.shape[1:]),
        train=(x, y),
        val=empty,
        test=empty,
        num_classes=classes,
        class_names=[str(i) for i in range(classes)] if classes else [],
        vocab_size=classes if w.task == "sequence-to-sequence" else None,
        target_shape=tuple(y.shape[1:]),
    )


# --- the baseline loops ------------------------------------------------------------------------------------


def _loss_for(w: Workload) -> Callable:
    if w.recipe == "diffusion":
        return lambda out, _: nn.functional.mse_loss(*out)  # the guessed noise against the noise added
    if w.loss == "bce_with_logits":
        bce = nn.BCEWithLogitsLoss()
        return lambda out, y: bce(out, y)
    return {"cross_entropy": nn.CrossEntropyLoss(), "mse": nn.MSELoss()}[w.loss]


def _plain_targets(w: Workload, y: torch.Tensor) -> torch.Tensor:
    return y.float().unsqueeze(1) if w.loss == "bce_with_logits" else y


class PlainLoop:
    """The hand-written loop ("fast" or "graph") for one workload; `run(seconds)` trains that long."""

    def __init__(self, w: Workload, style: str, device: torch.device):
        g = torch.Generator().manual_seed(0)
        x, y = w.make_data(g)
        torch.manual_seed(0)
        self.model = w.plain_model().to(device)
        self.x, self.y = x.to(device), _plain_targets(w, y).to(device)
        self.loss_fn = _loss_for(w)
        self.batch = w.batch_size
        self.device = device
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3, capturable=style == "graph")
        self.running = torch.zeros((), device=device)
        self.step = self._graphed() if style == "graph" else self._eager_step

    def _eager_step(self, idx):
        return self._compute(self.x[idx], self.y[idx])

    def _compute(self, xb, yb):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(xb), yb)
        loss.backward()
        self.optimizer.step()
        return loss

    def _graphed(self):
        """The whole step as one CUDA graph: warm up on a side stream, capture once, copy in and replay."""
        warm_idx = torch.arange(self.batch, device=self.device)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                self._eager_step(warm_idx)
        torch.cuda.current_stream().wait_stream(side)
        xb, yb = self.x[warm_idx].clone(), self.y[warm_idx].clone()
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):  # _compute zeroes (drops) the gradients: the graph's memory holds them
            loss = self._compute(xb, yb)

        def replay(idx):
            xb.copy_(self.x[idx])
            yb.copy_(self.y[idx])
            graph.replay()
            return loss

        return replay

    def run(self, seconds: float) -> tuple[int, float]:
        """Train for about `seconds`; (steps, elapsed)."""
        # On a GPU the clock is read every 25 steps, after waiting for the device; a CPU never waits.
        check_every = 25 if self.device.type == "cuda" else 1
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for _ in range(check_every):
                idx = torch.randint(0, len(self.x), (self.batch,), device=self.device)
                self.running += self.step(idx).detach()
                steps += 1
            if self.device.type == "cuda":
                torch.cuda.synchronize()
        self.running.item()
        return steps, time.perf_counter() - start


class PlainGanLoop(PlainLoop):
    """The hand-written GAN loop: k discriminator steps (real examples against fresh fakes, binary
    cross-entropy), then one generator step with the non-saturating loss; an Adam for each network."""

    def __init__(self, w: GanWorkload, style: str, device: torch.device):
        x, y = w.make_dataset().train
        torch.manual_seed(0)
        self.generator = w.plain_generator().to(device)
        self.discriminator = w.plain_discriminator().to(device)
        self.x, self.y = x.to(device), y.to(device)
        self.batch, self.device, self.d_steps, self.latent = w.batch_size, device, w.d_steps, w.latent
        self.g_optimizer, self.d_optimizer = (
            torch.optim.Adam(m.parameters(), lr=w.lr, betas=w.betas, capturable=style == "graph")
            for m in (self.generator, self.discriminator)
        )
        self.bce = nn.BCEWithLogitsLoss()
        self.real_label = torch.ones(self.batch, 1, device=device)  # batches here are always full
        self.fake_label = torch.zeros(self.batch, 1, device=device)
        self.running = torch.zeros((), device=device)
        self.step = self._graphed() if style == "graph" else self._eager_step

    def _compute(self, real, _):
        d, g = self.discriminator, self.generator
        for _ in range(self.d_steps):
            with torch.no_grad():
                fake = g(torch.randn(self.batch, self.latent, device=self.device))
            d_loss = self.bce(d(real), self.real_label) + self.bce(d(fake), self.fake_label)
            self.d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            self.d_optimizer.step()
        g_loss = self.bce(d(g(torch.randn(self.batch, self.latent, device=self.device))), self.real_label)
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()
        return g_loss + d_loss


# --- the engine ---------------------------------------------------------------------------------------------


class EngineRun:
    """The real engine (start_training, metrics on) for one workload, paused between timed segments."""

    SETTLE_S = 0.1  # after a resume, before the clock starts: the thread has picked up again

    def __init__(self, models, ds: Dataset, cfg: TrainConfig, device: torch.device):
        from dlcore.jobs import JobPool, start_training

        self.job = start_training(models, ds, cfg, paused=True, pool=JobPool())
        self.device = device

    def _mark(self) -> tuple[int, float]:
        # On a GPU, steps are launched ahead of the device: wait until every launched step has run.
        step = self.job.progress()["step"]
        if self.device.type == "cuda":
            torch.cuda.synchronize()
        return step, time.perf_counter()

    def run(self, seconds: float) -> tuple[int, float]:
        job = self.job
        job.resume()
        time.sleep(self.SETTLE_S)
        step0, t0 = self._mark()
        time.sleep(seconds)
        step1, t1 = self._mark()
        job.pause()
        while job.status == "running":
            time.sleep(0.005)
        if job.status == "failed":
            raise RuntimeError(f"the engine failed: {job.error}")
        return step1 - step0, t1 - t0

    def close(self) -> None:
        self.job.stop()
        self.job.wait(30)


SEGMENT_S = 0.5


def compare(w: Workload, device: torch.device, seconds: float) -> tuple[float, float]:
    """(engine, baseline) steps/s, timed in alternating half-second segments (`seconds` each in all), so a
    machine whose load changes slows both alike."""
    from dlcore.jobs import CPU_THREADS_PER_JOB

    baseline = "graph" if device.type == "cuda" else "fast"
    threads = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(CPU_THREADS_PER_JOB)  # the baseline gets the thread count the engine uses
    try:
        plain, engine = w.loops(baseline, device, max_seconds=4 * seconds + 600)
        try:
            rounds = max(2, round(seconds / SEGMENT_S))
            segment = seconds / rounds
            plain.run(min(0.5, segment))  # warm-up
            engine.run(min(0.5, segment))
            totals = {"plain": [0, 0.0], "engine": [0, 0.0]}
            for _ in range(rounds):
                for name, loop in (("plain", plain), ("engine", engine)):
                    steps, elapsed = loop.run(segment)
                    totals[name][0] += steps
                    totals[name][1] += elapsed
        finally:
            engine.close()
    finally:
        torch.set_num_threads(threads)
    return totals["engine"][0] / totals["engine"][1], totals["plain"][0] / totals["plain"][1]


def run(names: list[str] | None = None, device: str = "auto", seconds: float = 3.0) -> list[dict]:
    """One dict per workload: workload, device, engine_steps_per_s, baseline, baseline_steps_per_s, ratio."""
    from dlcore.device import device_name, resolve_device

    dev = resolve_device(device)
    rows = []
    for name in names or list(WORKLOADS):
        engine, plain = compare(WORKLOADS[name], dev, seconds)
        rows.append(
            {
                "workload": name,
                "device": f"{dev.type} ({device_name(dev)})",
                "engine_steps_per_s": round(engine, 1),
                "baseline": "graph" if dev.type == "cuda" else "fast",
                "baseline_steps_per_s": round(plain, 1),
                "ratio": round(engine / plain, 3),
            }
        )
    return rows


def first_models() -> dict[str, tuple[ModelSpec, str, dict, TrainConfig]]:
    """The models a student meets first, as the app sets them up: (spec, dataset, its options, config) for
    the 2-D playground's default network and the Train page's starting model (the digits MLP preset)."""
    import dlcore.playground as pg
    from dlcore.presets import presets
    from dlcore.training import TrainConfig

    state = pg.Playground()
    digits = presets()["digits_mlp"]
    return {
        "playground default (2-D, circle)": (
            pg.model_spec(state, state.a),
            state.dataset,
            pg.dataset_options(state, state.a),
            pg.train_config(state, state.a),
        ),
        "digits MLP (8x8 digits)": (digits, digits.dataset, {}, TrainConfig()),
    }


def first_metric_seconds(name: str, device: str = "auto") -> float:
    """Seconds from start_training() to the first row of metrics (what a student waits for after Train)."""
    from dlcore.data import load
    from dlcore.jobs import JobPool, start_training

    spec, data, options, cfg = first_models()[name]
    ds = load(data, **options)  # the app has the dataset cached before Train is pressed
    start = time.perf_counter()
    job = start_training(spec, ds, replace(cfg, device=device), pool=JobPool())
    try:
        while job.cursor == 0 and job.alive:
            time.sleep(0.001)
        return time.perf_counter() - start
    finally:
        job.stop()
        job.wait(30)
