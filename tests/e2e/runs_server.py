"""A page for the restart test, served by a real Streamlit server: its first visit starts five long runs in
this server's own engine (the runs are kept by the run store, as every run is)."""

import streamlit as st

import dlcore

RUNS = 5


@st.cache_resource
def five_runs() -> list:
    digits = dlcore.data.load("digits")
    pool = dlcore.JobPool(max_per_owner=RUNS)  # one owner ("local", never reaped) with five runs at once
    return [
        dlcore.start_training(
            dlcore.presets()["digits_mlp"],
            digits,
            dlcore.TrainConfig(epochs=100_000, seed=seed),
            pool=pool,
            run_name=f"cut off {seed}",
        )
        for seed in range(RUNS)
    ]


jobs = five_runs()
st.write(f"{len(jobs)} runs started: " + ", ".join(f"#{job.run_id} {job.status}" for job in jobs))
