"""The Build page: the model being built (`model`, `state`), and the parts of the page that show and edit
it, one module each: presets, the model header, the layer form, the model's cards and the palette, the
shapes, the PyTorch code, saving and loading."""
