"""Recipes that turn Hugging Face models into validated ONNX artifacts with manifests."""
