"""The Sequences page: recurrent memory, the long-memory race, state-space layers, attention, language
models and embeddings, one tab each. A tab registers itself (ui.sequences.tabs) when imported here."""

# Tabs appear in the order they are imported here, not alphabetically.
from ui.sequences import memory  # noqa: F401, I001
from ui.sequences import attention  # noqa: F401
from ui.sequences import language  # noqa: F401
