#!/usr/bin/env bash
# Set everything up (first run only takes minutes) and open DL Playground at http://localhost:8501.
# Extra arguments go to `streamlit run`, e.g. scripts/app.sh --server.port 8600
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m streamlit run app.py "$@"
