#!/usr/bin/env bash
# Create .venv (if missing) and install DL Playground into it.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh test
#
# torch goes in first, pinned: installing the project alone would let pip pick the default torch wheel,
# which on Linux is the multi-GB CUDA build. For an NVIDIA GPU, set TORCH_INDEX_URL to PyTorch's wheel
# index for your CUDA version (see README, "GPU").
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
TORCH_VERSION="${TORCH_VERSION:-2.13.0}"
EXTRAS="${1:-}"

if [ ! -x .venv/bin/python ]; then
    echo "Creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate

if ! python -c "import torch, sys; sys.exit(torch.__version__.split('+')[0] != '$TORCH_VERSION')" 2>/dev/null; then
    echo "Installing torch==$TORCH_VERSION"
    python -m pip install --quiet ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "torch==$TORCH_VERSION"
fi

echo "Installing DL Playground${EXTRAS:+ with [$EXTRAS]}"
python -m pip install --quiet -e ".${EXTRAS:+[$EXTRAS]}"
