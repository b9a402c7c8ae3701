"""Agent supervision: a dead agent stops the worker instead of being replaced in place.

Faust hands every actor that raised to the app's ``agent_supervisor`` strategy, whose default
(mode's ``OneForOneSupervisor``) starts a replacement actor on the same stream; in
faust-streaming 0.15.3 that replacement never receives another event, while the crashed batch
stays unacknowledged and blocks the partition's commits. The strategy here, installed through
that same setting, records the agent as dead (``/ready`` turns false) and asks the worker's
:class:`~streams.runtime.lifecycle.Lifecycle` to exit, so the supervisor starts a fresh process that
resumes from the committed offsets. An actor that returns while the worker runs counts as dead
too: an agent's stream never ends on its own.
"""

from __future__ import annotations

from typing import Any, cast

import faust
from mode import ServiceT, SupervisorStrategy

from streams.runtime.lifecycle import Lifecycle


def _agent_name(service: ServiceT) -> str:
    actor = cast(faust.types.agents.ActorT[Any], service)
    return str(actor.agent.name)


def agent_supervisor(lifecycle: Lifecycle) -> type[SupervisorStrategy]:
    """The ``agent_supervisor`` strategy class for an app whose worker ``lifecycle`` runs."""

    class StopWorkerOnAgentDeath(SupervisorStrategy):
        """Records a dead actor's agent and stops the worker; never restarts in place."""

        def service_operational(self, service: ServiceT) -> bool:
            if not super().service_operational(service):
                return False
            task = cast(faust.types.agents.ActorT[Any], service).actor_task
            finished = task is not None and task.done()
            return not finished or self.should_stop or lifecycle.stopping

        async def restart_services(self, services: list[ServiceT]) -> None:
            for service in services:
                lifecycle.agent_died(_agent_name(service), service.crash_reason)

    return StopWorkerOnAgentDeath


def agents_alive(app: faust.App, lifecycle: Lifecycle) -> dict[str, bool]:
    """Each registered agent, and whether it still runs (for ``/ready``)."""
    return {name: name not in lifecycle.dead_agents for name in app.agents}
