"""The Generative page: autoencoders, VAEs, GANs and diffusion, trained live on 2-D points and images.

- `state`: the page's PageState (GENERATIVE), the engine's frozen dlcore.generative.GenerativeState;
- `families`: the registry of families (`Family`, `FAMILIES`, `register_family`); one module per family
  below registers itself, imported here once;
- `runs`: the page's training job; `bar`: the run bar with the pickers; `controls`: the settings;
  `views`: the live fragment that calls the family's views.
"""

from ui.generative import (
    autoencoder,  # noqa: F401  (the autoencoder and the VAE)
    diffusion,  # noqa: F401
    gan,  # noqa: F401  (the GAN)
)
