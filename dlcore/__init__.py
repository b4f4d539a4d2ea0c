"""dlcore: the DL Playground engine. Architectures as data, datasets, live training, inspection.

No Streamlit in here: everything the app shows can be computed from a notebook or the command line.
"""

from dlcore.errors import DataError, DlcoreError, SpecError, TrainError
from dlcore.params import Param

# --- architectures (spec, catalogue, builder, code export, optim catalogues) ---

# --- datasets ---
from dlcore import data as data  # dlcore.data.load, names, options, preview, from_csv, ...

# --- training ---

# --- inspection and explanation ---

# --- 2-D playground ---
