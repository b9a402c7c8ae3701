#!/usr/bin/env bash
# The compatibility leg of the test command: the ClickHouse-facing tests (marker `clickhouse`)
# on Debian's ClickHouse 18.16, on ports of its own (the broker of the main run is shared).
# Arguments go to pytest like the main run's; exit status 5 (no ClickHouse-facing test among
# them) counts as a pass.
set -euo pipefail
cd "$(dirname "$0")/../.."

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
status=0
"${legacy[@]}" .venv/bin/pytest -p no:cacheprovider "$@" -m clickhouse || status=$?
if [ "$status" -eq 5 ]; then
  echo "no ClickHouse-facing test selected"
  status=0
fi
exit "$status"
