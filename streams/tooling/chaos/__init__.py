"""``shopstream chaos``: a bounded, reproducible fault harness on the local stack.

Each scenario runs in a sandbox of its own (topics, consumer group, database) against real
supervised workers, injects one kind of fault (SIGKILLs, a broker restart, a ClickHouse
outage, refused records or rows, malformed input), then counts what came out: distinct ids in
ClickHouse after ``FINAL`` and in the output topics, every malformed event in the dead-letter
topic, stalls, restarts and readiness. Results are written as JSON with a PNG timeline.

Modules: :mod:`~streams.tooling.chaos.fuzz` (malformed events),
:mod:`~streams.tooling.chaos.traffic` (a scenario's input and what it must produce),
:mod:`~streams.tooling.chaos.fleet` (the workers), :mod:`~streams.tooling.chaos.faults` (injectors),
:mod:`~streams.tooling.chaos.progress` (sampling while it runs),
:mod:`~streams.tooling.chaos.accounting` (the tally), :mod:`~streams.tooling.chaos.scenarios` (the
catalogue), :mod:`~streams.tooling.chaos.runner` (one scenario end to end),
:mod:`~streams.tooling.chaos.harness` (a run of several), :mod:`~streams.tooling.chaos.timeline`
(the PNG) and :mod:`~streams.tooling.chaos.report` (JSON and table).
"""
