"""One agent per file: decode, call the model service, hand results to the sinks."""
