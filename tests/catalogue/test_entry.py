"""The catalogue's registry: what the Build page's palette lists, in its order."""

from dlcore.catalogue import CATEGORIES, LAYERS, layer_catalogue

# The catalogue as it was when it was one module (main before the split into one module per family): the
# palette shows these names, in this order, under these categories.
PALETTE = [
    ("Linear", "dense"),
    ("Embedding", "dense"),
    ("Conv2d", "convolution"),
    ("Conv1d", "convolution"),
    ("ConvTranspose2d", "convolution"),
    ("MaxPool2d", "pooling"),
    ("AvgPool2d", "pooling"),
    ("MaxPool1d", "pooling"),
    ("AvgPool1d", "pooling"),
    ("AdaptiveAvgPool2d", "pooling"),
    ("RNN", "recurrent"),
    ("LSTM", "recurrent"),
    ("GRU", "recurrent"),
    ("DiagonalSSM", "recurrent"),
    ("SelectiveSSM", "recurrent"),
    ("MultiheadSelfAttention", "attention"),
    ("TransformerEncoderLayer", "attention"),
    ("PositionalEncoding", "attention"),
    ("BatchNorm1d", "normalisation"),
    ("BatchNorm2d", "normalisation"),
    ("LayerNorm", "normalisation"),
    ("Dropout", "regularisation"),
    ("Dropout2d", "regularisation"),
    ("ReLU", "activation"),
    ("LeakyReLU", "activation"),
    ("ELU", "activation"),
    ("GELU", "activation"),
    ("SiLU", "activation"),
    ("Sigmoid", "activation"),
    ("Tanh", "activation"),
    ("Identity", "activation"),
    ("Softmax", "activation"),
    ("LogSoftmax", "activation"),
    ("Flatten", "reshape"),
    ("Unflatten", "reshape"),
    ("Reshape", "reshape"),
    ("Transpose", "reshape"),
    ("Upsample", "reshape"),
    ("Residual", "blocks"),
    ("Sequential", "blocks"),
]


def test_the_catalogue_lists_every_layer_in_the_palette_order_under_its_category():
    assert [(name, entry.category) for name, entry in layer_catalogue().items()] == PALETTE


def test_the_registry_and_the_catalogue_agree_and_follow_the_category_order():
    assert list(LAYERS.names()) == list(layer_catalogue())
    ranks = [CATEGORIES.index(entry.category) for entry in layer_catalogue().values()]
    assert ranks == sorted(ranks)
