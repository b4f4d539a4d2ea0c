"""How networks learn, up close: the engine behind the Learning page's tools.

backprop   a tiny network's forward values, gradients and chain-rule factors, all from autograd
race       2-D test surfaces and the engine's optimizers racing down them
lr_finder  the learning-rate finder (Smith, 2017) and each schedule's planned learning rates
link       the page's setup <-> its link (LearningState)
"""

from dlcore.learning import link as link
from dlcore.learning.backprop import (
    ACTIVATIONS,
    LOSS_NAMES,
    MAX_WEIGHTS,
    BackpropNet,
    LearningError,
    Step,
    Trace,
    steps,
    trace,
)
from dlcore.learning.link import TOOLS, LearningState
from dlcore.learning.lr_finder import LrFinding, lr_find, planned_lrs, schedule_curve
from dlcore.learning.race import SURFACES, Surface, Track, race

__all__ = [
    "ACTIVATIONS",
    "LOSS_NAMES",
    "MAX_WEIGHTS",
    "BackpropNet",
    "LearningError",
    "LearningState",
    "LrFinding",
    "SURFACES",
    "Step",
    "Surface",
    "TOOLS",
    "Trace",
    "Track",
    "link",
    "lr_find",
    "planned_lrs",
    "race",
    "schedule_curve",
    "steps",
    "trace",
]
