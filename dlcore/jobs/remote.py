"""A job training in a Ray actor, with a local job's interface: pages and searches use it unchanged.

`start_training` makes a RayJob when a Ray cluster is chosen (dlcore.jobs.ray_cluster). Every check runs
here first, as for a local run; the models, data and settings then go to a JobHost actor on the cluster
(spread over its nodes), which trains them as an ordinary local Job.

- Commands (pause, step, stop, reset) and reads (metrics, progress, health, snapshots, apply, sample,
  rewind) are calls on the actor: the pages see what the job there has.
- A relay thread here long-polls the actor for the job's status and its training events, and hands the
  events to the callbacks subscribed here (the run store's recording, a search's pruning). The end of a
  fit, and a scored epoch while such waits have taken at most WAIT_BUDGET of the training time, wait on
  the actor until those callbacks have seen them: they read the weights (`logs["models"][role]
  .state_dict()`) as they are at that moment, and a StopTraining they raise stops the run at that epoch,
  as it would a local one. Other epochs are relayed without waiting (a StopTraining then stops the run
  at the step it arrives at), so tiny models, scored 20 times a second, are not slowed down by round
  trips; step ends are not relayed (hundreds a second).
"""

from __future__ import annotations

import copy
import functools
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import replace

import torch
from torch import nn

from dlcore.errors import DlcoreError, TrainError
from dlcore.jobs.callbacks import Subscribers
from dlcore.jobs.job import Job, _skeletons
from dlcore.jobs.pool import ALL_JOBS, LOCAL_OWNER, JobPool
from dlcore.jobs.ray_cluster import connect
from dlcore.training import Callback, StopTraining

POLL_S = 0.25  # the longest one poll waits on the actor for news
WAIT_S = 60.0  # the longest a scored epoch waits for the caller's callbacks (a caller gone: training goes on)
WAIT_BUDGET = 0.05  # the share of a run's training time its epochs may spend waiting for the callbacks here
CALL_TIMEOUT_S = 60.0  # the longest a call on the actor may take (its first waits for the actor to start)
GPU_SHARE = 0.25  # a GPU run takes a quarter of a GPU: four share one, as local runs do (JobPool's cap)

_log = logging.getLogger(__name__)


class RayJob:
    """A Job training in a Ray actor (see the module docstring): the same attributes, commands and reads
    as a local Job. Made by start_training (same arguments as Job; `device` is the node's, chosen there)."""

    def __init__(self, setup, dataset, config, owner, pool, *, models, recipe, device=None, **start):
        self._ray = connect()  # before anything is admitted: a cluster out of reach is a TrainError
        self.id = next(Job._ids)  # one numbering with local jobs: the pool keys jobs by id
        self.setup, self.dataset, self.config, self.owner = setup, dataset, config, owner
        self.recipe = setup.recipe
        self.main_role = recipe.main_role
        self.spec = setup.models[self.main_role]
        self.device, self.device_name = "cpu", "a node of the Ray cluster (starting)"  # the actor says which
        self.max_seconds = min(config.max_seconds, pool.max_seconds)
        self.status, self.error, self.message = "queued", None, ""
        self.result: dict | None = None
        self.run_id: int | None = None
        self.transfer = start.get("transfer")
        self.last_heartbeat = time.monotonic()
        self.rewind = RemoteRewind(self)
        self._pool = pool
        self._objective = getattr(recipe, "objective", None)
        self._templates = _skeletons(models)
        # What callbacks here get as the run's models: their state_dict() is the actor's weights now.
        self._mirrors = {role: _mirror(copy.deepcopy(m), self, role) for role, m in self._templates.items()}
        self._subscribers = Subscribers()
        self._host_args = (
            setup,
            dataset,
            replace(config, max_seconds=self.max_seconds),
            start.get("paused", False),
            nn.ModuleDict(models).state_dict(),  # what the models start from (a checkpoint, a transfer)
            (start.get("start_epoch", 0), start.get("start_step", 0)),
            start.get("start_weights"),
            WAIT_BUDGET,
        )
        self._actor = None
        self._cursor = 0  # the last event handed to the callbacks here
        self._stop_reason: str | None = None
        self._diverged = False
        self._free_on_end = False
        self._freed = False
        self._done = threading.Event()

    # What reads only this side's state is a local job's own code.
    alive, holds_place, objective, roles = Job.alive, Job.holds_place, Job.objective, Job.roles
    heartbeat, add_callback, remove_callback, wait = (
        Job.heartbeat,
        Job.add_callback,
        Job.remove_callback,
        Job.wait,
    )
    snapshots, _role, __repr__ = Job.snapshots, Job._role, Job.__repr__

    def _launch(self) -> None:
        ALL_JOBS.add(self)
        self._done.clear()
        if self._actor is None:
            self._actor = _idle_host(self._ray, GPU_SHARE if self.config.device == "cuda" else 0)
            self._actor.start.remote(*self._host_args)
            self._host_args = None
        threading.Thread(target=self._relay, name=f"dlcore-ray-job-{self.id}", daemon=True).start()

    # --- commands --------------------------------------------------------------------------------------

    def pause(self) -> None:
        """As Job.pause."""
        self._call("call", "pause")

    def resume(self) -> None:
        """As Job.resume."""
        self._call("call", "resume")
        if self.status == "paused":  # the status answers at once, as a local job's does
            self.status = "running"

    def step(self, unit: str = "batch", role: str | None = None) -> None:
        """As Job.step."""
        self._call("call", "step", unit, role)
        if self.status == "paused":
            self.status = "running"

    def stop(self, reason: str = "stopped by you") -> None:
        """As Job.stop."""
        self._stop_reason = self._stop_reason or reason
        try:
            self._call("call", "stop", reason)
        except TrainError:  # the actor is gone already: nothing trains any more
            pass

    def reset(self, seed: int | None = None) -> None:
        """As Job.reset."""
        if self.alive:
            self._call("call", "reset", seed)
            return
        if self._freed:
            raise TrainError(
                "this training was stopped and freed because its page went away: start a new one"
            )
        self._pool.admit(self)
        self._call("call", "reset", seed)
        self.status, self.result, self.error, self.message, self._stop_reason = "queued", None, None, "", None
        self._launch()

    def apply(self, fn, timeout: float = 30.0, role: str | None = None):
        """As Job.apply: `fn(model)` runs in the actor (Ray pickles it, closures too) and its result comes
        back."""
        return self._call("call", "apply", fn, timeout, role)

    def sample(self, n: int, timeout: float = 30.0) -> torch.Tensor:
        """As Job.sample."""
        return self._call("call", "sample", n, timeout)

    def snapshot(self, role: str | None = None, step: int | None = None) -> nn.Module:
        """As Job.snapshot: the actor's weights in a CPU copy of the model made here."""
        role = self._role(role)
        templates = self._templates
        if templates is None:
            raise TrainError("this training was stopped and freed because its page went away")
        model = copy.deepcopy(templates[role])
        model.load_state_dict(self._call("snapshot_state", role, step))
        return model.eval()

    # --- reads -----------------------------------------------------------------------------------------

    def metrics(self, since: int | None = None):
        """As Job.metrics."""
        return self._call("call", "metrics", since)

    def epoch_metrics(self):
        """As Job.epoch_metrics."""
        return self._call("call", "epoch_metrics")

    def grad_norms(self):
        """As Job.grad_norms."""
        return self._call("call", "grad_norms")

    def parameter_history(self):
        """As Job.parameter_history (a copy as it is now)."""
        return self._call("call", "parameter_history")

    def health(self) -> list[dict]:
        """As Job.health."""
        return self._call("call", "health")

    def progress(self) -> dict:
        """As Job.progress."""
        return self._call("call", "progress")

    @property
    def cursor(self) -> int:
        return self._call("cursor")

    @property
    def diverged(self) -> bool:
        return self._diverged

    # --- talking to the actor --------------------------------------------------------------------------

    def _call(self, method: str, *args):
        """The actor's JobHost.`method`(*args); an error of ours raised there is raised here as it is."""
        if self._actor is None or not self._ray.is_initialized():  # (a call would start a Ray of its own)
            raise TrainError("this training is not on a Ray cluster this program is connected to")
        try:
            return self._ray.get(getattr(self._actor, method).remote(*args), timeout=CALL_TIMEOUT_S)
        except self._ray.exceptions.RayTaskError as err:
            if isinstance(err.cause, DlcoreError):
                raise err.cause from None
            raise TrainError(f"the training on the Ray cluster failed ({err.cause!r})") from None
        except Exception as err:  # the actor or the cluster went away, or did not answer in time
            raise TrainError(f"the Ray cluster did not answer ({type(err).__name__}): try again") from None

    def _relay(self) -> None:
        """The relay thread: the actor's news until its job ends (see the module docstring)."""
        verdict, lost = None, None
        try:
            while True:
                news = self._call("poll", self._cursor, verdict, self.status)
                verdict = None
                for seq, kind, epoch, logs in news["events"]:
                    verdict = self._hand_on(kind, epoch, logs) or verdict
                    self._cursor = seq
                self._update(news)
                if not news["alive"] and not news["events"]:
                    break
        except TrainError as err:
            lost = err.message
        finally:
            if lost is not None:
                self.error = self.message = f"{lost[0].upper()}{lost[1:]}: this training was lost."
                self.status = "failed"
            self._pool.job_ended(self)
            if self._free_on_end:
                self._free()
            self._done.set()

    def _hand_on(self, kind: str, epoch: int | None, logs: dict) -> tuple[str, str] | None:
        """One event to the callbacks here; a StopTraining they raise, as (reason, status) for the actor."""
        logs = {**logs, "models": self._mirrors, "model": self._mirrors[self.main_role]}
        try:
            if kind == "fit_start":
                self._subscribers.on_fit_start(logs)
            elif kind == "epoch_end":
                self._subscribers.on_epoch_end(epoch, logs)
            else:
                self._subscribers.on_fit_end(logs)
        except StopTraining as stop:
            return stop.reason, stop.status
        except Exception:  # a callback's bug must not lose the run: it is logged, training goes on
            _log.exception("a callback of %r failed", self)
        return None

    def _update(self, news: dict) -> None:
        if not news["alive"]:  # the result first: whoever sees the run ended finds its result
            self.result = news["result"]
        self.device, self.device_name, self._diverged = news["device"], news["device_name"], news["diverged"]
        self.error, self.message, self.status = news["error"], news["message"], news["status"]

    def _parked_state(self, role: str) -> dict[str, torch.Tensor]:
        return self._call("parked_state", role)

    def _free(self) -> None:
        """Reaped: snapshots are refused from now on; the actor goes with the last reference to this job."""
        self._templates, self._freed = None, True


class RemoteRewind:
    """The actor's job.rewind (dlcore.jobs.rewind.Rewind), read through the actor."""

    def __init__(self, job: RayJob):
        self._job = job

    @property
    def enabled(self) -> bool:
        return self._job._call("rewind", "enabled")

    @property
    def bytes_used(self) -> int:
        return self._job._call("rewind", "bytes_used")

    @property
    def cap_bytes(self) -> int:
        return self._job._call("rewind", "cap_bytes")

    def steps(self) -> list[int]:
        return self._job._call("rewind", "steps")

    def state_at(self, step: int) -> dict[str, torch.Tensor]:
        return self._job._call("rewind", "state_at", step)

    def first_state(self) -> dict[str, torch.Tensor] | None:
        return self._job._call("rewind", "first_state")


def _mirror(model: nn.Module, job: RayJob, role: str) -> nn.Module:
    """`model` whose state_dict() fetches the weights of `role` from the actor (for callbacks here, which
    copy weights as they would a local model's; inside a ModuleDict too, which asks each child)."""

    def state_dict(*args, destination=None, prefix="", keep_vars=False):
        state = OrderedDict() if destination is None else destination
        for key, value in job._parked_state(role).items():
            state[prefix + key] = value
        return state

    model.state_dict = state_dict
    return model


# --- in the actor ----------------------------------------------------------------------------------------


class JobHost:
    """In the Ray actor: an ordinary local Job (its own pool: no owner limit, never reaped; no run store,
    the caller keeps the run), the Relay of its events, and what RayJob calls."""

    CALLS = frozenset(
        ("pause", "resume", "step", "stop", "reset", "apply", "sample")
        + ("metrics", "epoch_metrics", "grad_norms", "parameter_history", "health", "progress")
    )

    def __init__(self):
        import ray

        self.node = ray.util.get_node_ip_address()
        self.relay = Relay()
        self.job: Job | None = None
        self.problem: str | None = None  # why the job could not start here (the node lacks the device)
        self._started = threading.Event()

    def start(self, setup, dataset, config, paused, state, start, start_weights, wait_budget) -> None:
        """Start the job (RayJob's models, data and settings); every other call waits for this one."""
        from dlcore.jobs.start import _prepare  # start.py makes RayJobs: imported here, not at the top

        saved = (setup, state, {"epoch": start[0], "step": start[1]})
        self.relay.budget = wait_budget
        pool = JobPool(max_seconds=config.max_seconds)
        try:
            self.job = _prepare(
                setup, dataset, config, LOCAL_OWNER, pool, paused=paused, saved=saved,
                start_weights=start_weights, here=True,
            )  # fmt: skip
            self.relay.job = self.job
            self.job.add_callback(self.relay)
            pool.admit(self.job)
            self.job._launch()
        except DlcoreError as err:
            self.problem = err.message
        except Exception as err:  # the caller is told, rather than left waiting
            self.problem = f"the training could not start on the Ray cluster ({type(err).__name__}: {err})"
        finally:
            self._started.set()

    def call(self, name: str, *args):
        if name not in self.CALLS:
            raise TrainError(f"a job has no command {name!r}")
        return getattr(self._job(), name)(*args)

    def cursor(self) -> int:
        return self._job().cursor

    def rewind(self, name: str, *args):
        value = getattr(self._job().rewind, name)
        return value(*args) if callable(value) else value

    def snapshot_state(self, role: str, step: int | None) -> dict[str, torch.Tensor]:
        return self._job().snapshot(role, step).state_dict()

    def parked_state(self, role: str) -> dict[str, torch.Tensor]:
        return self.relay.parked_state(role)

    def poll(self, cursor: int, verdict: tuple[str, str] | None, known_status: str) -> dict:
        """Acknowledge the events up to `cursor` (with the caller's `verdict`: a StopTraining's reason and
        status), then wait up to POLL_S for news: new events or a status other than `known_status`."""
        self._started.wait()
        job = self.job if self.problem is None else None
        if job is None:
            return _failed_news(self.problem)
        self.relay.ack(cursor, verdict)
        deadline = time.monotonic() + POLL_S
        while True:
            status = job.status  # before the events: a job that ended has posted every event it will
            events = self.relay.news(cursor, timeout=0.02)
            if events or status != known_status or time.monotonic() > deadline:
                break
        alive = status in ("queued", "running", "paused")
        return {
            "events": events,
            "alive": alive,
            "status": status,
            "error": job.error,
            "message": job.message,
            "result": None if alive else job.result,
            "device": job.device,
            "device_name": f"{job.device_name} on Ray node {self.node}",
            "diverged": job.diverged,
        }

    def _job(self) -> Job:
        self._started.wait()
        if self.problem is not None:
            raise TrainError(self.problem)
        return self.job


def _failed_news(problem: str) -> dict:
    return {
        "events": [],
        "alive": False,
        "status": "failed",
        "error": problem,
        "message": problem,
        "result": None,
        "device": "cpu",
        "device_name": "a node of the Ray cluster",
        "diverged": False,
    }


class Relay(Callback):
    """On the actor's training thread: the job's events for the caller, numbered; a scored epoch and the
    end of a fit wait until the caller has acknowledged them. A StopTraining the caller's callbacks raised
    comes back as a verdict and is raised here: at once when the run waits, else at the next step."""

    def __init__(self):
        self.job: Job | None = None
        self._cond = threading.Condition()
        self._events: list[tuple] = []  # (seq, kind, epoch, logs) the caller has not acknowledged
        self._seq = 0
        self._acked = 0
        self._verdict: tuple[str, str] | None = None
        self._models: dict[str, nn.Module] = {}
        self._parked = False
        self.budget = WAIT_BUDGET  # the caller's
        self._waited_s = 0.0
        self._fit_started = time.perf_counter()

    def on_fit_start(self, logs):
        self._waited_s, self._fit_started = 0.0, time.perf_counter()
        self._models = logs["models"]
        self._post("fit_start", None, logs, wait=False)

    def on_step_end(self, step, logs):
        if self._verdict is not None:
            self._raise_verdict()

    def on_epoch_end(self, epoch, logs):
        scored = any(key.startswith("val_") for key in logs)
        affordable = self._waited_s <= self.budget * (time.perf_counter() - self._fit_started)
        self._post("epoch_end", epoch, logs, wait=scored and affordable)
        if self._verdict is not None:
            self._raise_verdict()

    def on_fit_end(self, logs):
        self._post("fit_end", None, logs, wait=True)
        self._verdict = None  # nothing left to stop

    def _raise_verdict(self):
        verdict, self._verdict = self._verdict, None
        raise StopTraining(*verdict)

    def _post(self, kind: str, epoch: int | None, logs: dict, wait: bool) -> None:
        with self._cond:
            self._seq += 1
            seq = self._seq
            self._events.append((seq, kind, epoch, _plain(logs)))
            self._cond.notify_all()
            if wait:
                self._parked, since = True, time.perf_counter()
                while self._acked < seq and time.perf_counter() - since < WAIT_S:
                    self._cond.wait(0.02)
                    self._cond.release()
                    try:  # snapshots and edits asked for meanwhile still answer, as while queued
                        self.job._serve_while_queued()
                    finally:
                        self._cond.acquire()
                self._parked = False
                self._waited_s += time.perf_counter() - since

    def ack(self, cursor: int, verdict: tuple[str, str] | None) -> None:
        with self._cond:
            if verdict is not None:
                self._verdict = verdict  # before the acknowledgement wakes the training thread
            self._acked = max(self._acked, cursor)
            self._events = [event for event in self._events if event[0] > self._acked]
            self._cond.notify_all()

    def news(self, cursor: int, timeout: float) -> list[tuple]:
        with self._cond:
            self._cond.wait_for(lambda: self._events and self._events[-1][0] > cursor, timeout=timeout)
            return [event for event in self._events if event[0] > cursor]

    def parked_state(self, role: str) -> dict[str, torch.Tensor]:
        """The weights of `role` as they are while the run waits at an event (else the job's snapshot)."""
        with self._cond:
            model = self._models.get(role) if self._parked else None
            if model is not None:
                return {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
        return self.job.snapshot(role).state_dict()


def _plain(logs: dict) -> dict:
    """The numbers and words of fit()'s logs (no models, optimizers or tensors beyond single values)."""
    plain = {}
    for key, value in logs.items():
        if isinstance(value, torch.Tensor) and value.numel() == 1:
            value = value.item()
        if value is None or isinstance(value, (bool, int, float, str)):
            plain[key] = value
    return plain


@functools.cache
def _host_class(ray):
    """JobHost as a Ray actor class (made once: Ray exports a class's code to the cluster each time)."""
    return ray.remote(JobHost)


_spare: dict[str, object] = {}  # this driver's Ray job id -> an idle JobHost started ahead for the next run
_spare_lock = threading.Lock()


def _idle_host(ray, gpus: float):
    """A JobHost actor waiting for its job. A CPU run takes the one started ahead (start_ahead), whose
    process has loaded PyTorch already (seconds on a busy node), and another is started for the next run."""
    if gpus:
        return _new_host(ray, gpus)
    with _spare_lock:
        host = _spare.pop(ray.get_runtime_context().get_job_id(), None)
    start_ahead()
    return host or _new_host(ray, 0)


def start_ahead(wait: bool = False) -> None:
    """Start the actor the next CPU run on the chosen Ray cluster will take, unless it is started already
    (a server does so as it starts, so that its first run starts as fast as the next); `wait` until it is
    ready. TrainError like start_training's when Ray is missing or the cluster cannot be reached."""
    ray = connect()
    driver = ray.get_runtime_context().get_job_id()
    with _spare_lock:
        if driver not in _spare:
            _spare.clear()  # a spare of an earlier connection is gone with it
            _spare[driver] = _new_host(ray, 0)
        host = _spare[driver]
    if wait:
        ray.get(host.__ray_ready__.remote())


def _new_host(ray, gpus: float):
    # Threaded, so reads answer while a poll waits; runs spread over the cluster's nodes. No CPU is
    # reserved: an actor would hold it for as long as its job is kept (a finished run's page reads it), so
    # a class's finished runs would block the cluster. More runs than cores share them.
    options = {"max_concurrency": 16, "scheduling_strategy": "SPREAD", "num_cpus": 0, "num_gpus": gpus}
    return _host_class(ray).options(**options).remote()
