"""The Sequences page's engine: each tab's state (a link) and the maths of its views.

Tabs register their link in `dlcore.sequences.link` (TAB_LINKS, in the page's tab order) when their module
is imported here, one line each.
"""

from dlcore.sequences import attention as attention  # the attention tab: maps per layer and head, positions
from dlcore.sequences import embeddings as embeddings  # the projector: PCA / t-SNE of any layer's vectors
from dlcore.sequences import language as language  # the language tab: a tiny GPT on the shipped fables
from dlcore.sequences import memory as memory  # the memory tab: hidden state, gates, input gradients
from dlcore.sequences import race as race  # the long-memory race: RNN, LSTM, GRU, transformer side by side
from dlcore.sequences import state_space as state_space  # the state-space tab: memory half-lives
from dlcore.sequences.link import (
    TAB_LINKS,
    TAB_PARAM,
    OpenTab,
    TabLink,
    open_tab_from_query,
    open_tab_to_query,
    page_problems,
    param_link,
    register_tab_link,
    validate_open_tab,
)

__all__ = [
    "TAB_LINKS",
    "TAB_PARAM",
    "OpenTab",
    "TabLink",
    "open_tab_from_query",
    "open_tab_to_query",
    "page_problems",
    "param_link",
    "register_tab_link",
    "validate_open_tab",
    "memory",
    "attention",
    "language",
    "race",
    "embeddings",
    "state_space",
]
