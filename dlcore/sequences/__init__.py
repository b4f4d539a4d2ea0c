"""The Sequences page's engine: each tab's state (a frozen dataclass with its link) and its views' maths.

attention  a transformer learning a token task: its state, model, attention maps and positional codes
language   a tiny GPT on the shipped fables: its state, the next-character probabilities, sampling
"""

from dlcore.sequences import attention as attention
from dlcore.sequences import language as language

__all__ = ["attention", "language"]
