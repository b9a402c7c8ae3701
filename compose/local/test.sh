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

if [ "${SHOPSTREAM_STACK__CLICKHOUSE_SERVER:-chdb}" = debian ]; then
  exit 0  # the run above was on 18.16 already
fi
# Compatibility leg: Debian's server on ports of its own (the broker is shared), same tests
# selected by marker; exit status 5 means the arguments selected no ClickHouse-facing test.
port=${SHOPSTREAM_TEST_LEGACY_CLICKHOUSE_PORT:-19100}
legacy=(
  env SHOPSTREAM_STACK__CLICKHOUSE_SERVER=debian
  SHOPSTREAM_STACK__CLICKHOUSE_TCP_PORT="$port"
  SHOPSTREAM_STACK__CLICKHOUSE_HTTP_PORT="$((port + 1))"
  SHOPSTREAM_STACK__CLICKHOUSE_INTERSERVER_PORT="$((port + 2))"
  SHOPSTREAM_CLICKHOUSE__URL="clickhouse://127.0.0.1:$port/shopstream"
)
echo "== stack (ClickHouse 18.16 leg)"; "${legacy[@]}" .venv/bin/shopstream stack up
echo "== tests (ClickHouse 18.16 leg: -m clickhouse)"
"${legacy[@]}" .venv/bin/pytest -p no:cacheprovider "$@" -m clickhouse || [ $? -eq 5 ]
