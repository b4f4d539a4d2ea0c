"""The Sequences page: recurrent memory, the long-memory race, state-space layers, attention, language
models and embeddings, one tab each. A tab registers itself (ui.sequences.tabs) when imported here."""

from ui.sequences import (
    attention,  # noqa: F401
    embeddings,  # noqa: F401
    language,  # noqa: F401
    memory,  # noqa: F401
    race,  # noqa: F401
    state_space,  # noqa: F401
)
