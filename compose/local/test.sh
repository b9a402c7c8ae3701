#!/usr/bin/env bash
# The test command: installs everything, starts the local Kafka + ClickHouse, builds the default
# models (cached), then runs ruff, mypy and every test (unit and integration) on the default
# ClickHouse server (26.x, chdb), and the ClickHouse-facing tests (marker `clickhouse`) again on
# Debian's 18.16, the oldest server the portable schema supports.
set -euo pipefail
cd "$(dirname "$0")/../.."
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

bash compose/local/setup.sh
echo "== lint";  .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== types"; .venv/bin/mypy
echo "== stack"; .venv/bin/shopstream stack up
echo "== models"; .venv/bin/shopstream models build
echo "== tests"; .venv/bin/pytest -p no:cacheprovider "$@"

# The compatibility leg, unless the run above was on 18.16 already.
if [ "${SHOPSTREAM_STACK__CLICKHOUSE_SERVER:-chdb}" != debian ]; then
  bash compose/local/test-legacy.sh "$@"
fi
