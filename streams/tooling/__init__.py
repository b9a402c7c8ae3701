"""Developer tooling: the local stack, sandboxes, sample data, replay, the demo, benchmarks
and the chaos harness. Nothing a production worker imports lives here.
"""
