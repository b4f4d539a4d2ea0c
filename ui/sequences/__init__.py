"""The Sequences page: recurrent memory, the long-memory race, state-space layers, attention, language
models and embeddings, one tab each. A tab registers itself (ui.sequences.tabs) when imported here."""

from ui.sequences import (
    memory,  # noqa: F401
    state_space,  # noqa: F401
)
