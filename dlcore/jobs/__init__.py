"""Training jobs: a model training on a background thread that pages can watch, pause, step and stop.

    job = start_training(spec, ds, TrainConfig(epochs=20), owner=session_id)   # returns at once
    job.pause(); job.step(); job.step(unit="epoch"); job.resume(); job.stop(); job.wait()
    frame = job.metrics(since=cursor); cursor = frame.attrs["cursor"]

job.py     the Job: its thread, commands, snapshots and metrics
pool.py    the process-wide JobPool (`job_pool()`): limits per owner and device, reaping
slots.py   turn-taking on a device short of places
start.py   start_training / loaded_job: every check before a run
callbacks.py  what a job adds to fit(): its Control and early stopping
ray_cluster.py, remote.py   jobs on a Ray cluster: use_ray(address) or DLP_RAY_ADDRESS; a RayJob
"""

from dlcore.jobs.callbacks import EarlyStopping
from dlcore.jobs.job import CPU_THREADS_PER_JOB, Job
from dlcore.jobs.pool import LOCAL_OWNER, JobPool, job_pool
from dlcore.jobs.ray_cluster import ray_address, use_ray
from dlcore.jobs.remote import RayJob, start_ahead
from dlcore.jobs.start import loaded_job, start_training

__all__ = [
    "CPU_THREADS_PER_JOB",
    "LOCAL_OWNER",
    "EarlyStopping",
    "Job",
    "JobPool",
    "RayJob",
    "job_pool",
    "loaded_job",
    "ray_address",
    "start_ahead",
    "start_training",
    "use_ray",
]
