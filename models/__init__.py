"""Model registry and ONNX Runtime inference for shopstream's tasks."""
