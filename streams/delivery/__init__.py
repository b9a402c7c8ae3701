"""The delivery core: what happens to every consumed event, whatever the task.

Intake decodes and validates (:mod:`.intake`, :mod:`.codec`); a failure that belongs to one
event becomes a dead letter (:mod:`.deadletter`, :mod:`.sinks.deadletters`) found by
bisection (:mod:`.bisection`); outputs are published and stored (:mod:`.stages`,
:mod:`.sinks`) before their offsets are committed; skipped offsets are read back
(:mod:`.gaps`); commits never pass a record in flight (:mod:`.commit_guard`).
"""
