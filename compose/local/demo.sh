#!/usr/bin/env bash
# The main job on local defaults: installs, starts Kafka + ClickHouse, builds or reuses the
# models, runs a worker, replays sample reviews and prints a summary read back from ClickHouse.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

bash compose/local/setup.sh
.venv/bin/shopstream stack up
.venv/bin/shopstream models build
.venv/bin/shopstream demo "$@"
