"""The worker runtime: the supervised worker process and what keeps it alive and honest.

The supervisor restarts the worker (:mod:`.supervisor`); the worker ends with a reason and
within a bound (:mod:`.lifecycle`), stops when an agent dies (:mod:`.liveness`) or stalls
(:mod:`.watchdog`, :mod:`.flow`), reports lag (:mod:`.lag`) and serves health, readiness
and metrics (:mod:`.web`).
"""
