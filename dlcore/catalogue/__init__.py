"""The layer catalogue: one entry per layer type, the single place that knows about it.

Each entry holds the layer's category, its parameters (type, default, range, one-sentence help for a
student), its shape rule (input shape -> output shape, without running anything), the sizes it infers
from the previous layer, its multiply-accumulate count and its constructor. The builder, the summary,
the code exporter and the app's forms all read from here.

Shapes never include the batch: images (C, H, W), vectors (F,), sequences (L, F), signals (C, L) for
Conv1d, token ids (L,).

One module per layer family; importing a family registers its layers. To add a layer type, add an entry
with `add(...)` to its family's module (or a new family module, imported below).
"""

# isort: off
# The palette lists layers in registration order: the families are imported in the order it shows them.
from dlcore.catalogue import dense, convolution, pooling, recurrent  # noqa: F401
from dlcore.catalogue import state_space  # noqa: F401  (after recurrent: listed with it)
from dlcore.catalogue import attention  # noqa: F401
from dlcore.catalogue import normalisation, activations, reshape, blocks  # noqa: F401

# isort: on
from dlcore.catalogue.entry import CATEGORIES, LAYERS, Ctor, LayerType, ShapeError, layer_catalogue

__all__ = [
    "CATEGORIES",
    "LAYERS",
    "Ctor",
    "LayerType",
    "ShapeError",
    "layer_catalogue",
]
