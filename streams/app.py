"""The Faust application and the services its agents share."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import faust

from streams.delivery.commit_guard import GuardedTransport
from streams.kafka_config import ssl_context
from streams.pipeline import Pipeline
from streams.records import DATETIME_RANGE, EventTimeRange
from streams.runtime.lifecycle import Lifecycle
from streams.runtime.liveness import agent_supervisor
from streams.settings import KafkaSettings, Settings
from streams.tables import ChangelogView

log = logging.getLogger(__name__)

ALL_TASKS = ("sentiment", "alerts", "products", "replies")


def broker_credentials(kafka: KafkaSettings) -> faust.auth.Credentials | None:
    """Faust (aiokafka) credentials for SASL and/or TLS, or None for PLAINTEXT."""
    context = ssl_context(kafka)
    if kafka.sasl_mechanism is not None:
        password = kafka.sasl_password.get_secret_value() if kafka.sasl_password else ""
        return faust.SASLCredentials(
            username=kafka.sasl_username or "",
            password=password,
            ssl_context=context,
            mechanism=kafka.sasl_mechanism,
        )
    if context is not None:
        return faust.SSLCredentials(context)
    return None


def create_app(settings: Settings, lifecycle: Lifecycle | None = None) -> faust.App:
    """A Faust app configured from settings; agents are registered separately.

    A dead agent stops the worker through ``lifecycle`` (streams.runtime.liveness) instead of being
    replaced in place.
    """
    kafka = settings.kafka
    lifecycle = lifecycle or Lifecycle(settings.supervision)
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{kafka.bootstrap}",
        broker_credentials=broker_credentials(kafka),
        store="memory://",
        autodiscover=False,
        topic_partitions=settings.topics.partitions,
        topic_replication_factor=settings.topics.replication_factor,
        key_serializer="raw",
        value_serializer="raw",
        broker_session_timeout=kafka.session_timeout_ms / 1000,
        broker_heartbeat_interval=max(kafka.session_timeout_ms / 1000 / 5, 0.5),
        broker_request_timeout=kafka.request_timeout_ms / 1000,
        broker_max_poll_interval=600.0,
        broker_commit_interval=1.0,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        web_port=settings.web_port,
        web_bind=settings.web_bind,
        web_host=settings.web_bind,
        web_in_thread=False,
        table_standby_replicas=0,
        agent_supervisor=agent_supervisor(lifecycle),
    )
    # Installed before any topic asks for the transport: commits never pass a record still
    # being processed (streams.delivery.commit_guard, faust-streaming #606).
    app.transport = GuardedTransport(app.conf.broker_consumer, app)
    return app


def build(
    settings: Settings,
    tasks: Sequence[str] = ALL_TASKS,
    lifecycle: Lifecycle | None = None,
    event_times: EventTimeRange = DATETIME_RANGE,
) -> tuple[faust.App, Pipeline]:
    """The app with the agents of the chosen tasks and the web endpoints registered.

    ``lifecycle`` is the worker process's (streams.runtime.lifecycle): dead agents, parent checks
    and the shutdown bound report to it; a fresh one is made when none is given. ``event_times`` is
    what the connected ClickHouse schema stores (streams.clickhouse.event_times); input events
    outside it are dead-lettered at ``validate``.
    """
    from streams.agents import alerts, products, replies, sentiment
    from streams.runtime import lag, watchdog, web

    unknown = set(tasks) - set(ALL_TASKS)
    if unknown:
        msg = f"unknown tasks {sorted(unknown)}; choose from {ALL_TASKS}"
        raise ValueError(msg)
    lifecycle = lifecycle or Lifecycle(settings.supervision)
    app = create_app(settings, lifecycle)
    facts = (
        products.facts_table(app, settings) if "products" in tasks or "replies" in tasks else None
    )
    views = (
        {replies.FACTS_VIEW: ChangelogView(settings.kafka, facts.changelog_topic_name)}
        if facts is not None and "replies" in tasks
        else {}
    )
    # Every model of the chosen tasks is loaded here, before any agent is registered.
    pipeline = Pipeline(
        settings,
        app,
        ThreadPoolExecutor(max_workers=2, thread_name_prefix="model"),
        tasks=tasks,
        views=views,
        event_times=event_times,
    )
    if "sentiment" in tasks:
        sentiment.register(app, pipeline)
    if "alerts" in tasks:
        alerts.register(app, pipeline)
    if facts is not None and "products" in tasks:
        products.register(app, pipeline, facts)
    if facts is not None and "replies" in tasks:
        replies.register(app, pipeline, facts, views[replies.FACTS_VIEW])
    web.register(app, pipeline, lifecycle)
    lifecycle.register(app)
    t = settings.topics
    inputs = {
        "sentiment": t.reviews,
        "alerts": t.sentiment,
        "products": t.product_updates,
        "replies": t.chat_messages,
    }
    lag.register(app, inputs.values())
    watchdog.register(
        app, pipeline.progress, [inputs[task] for task in tasks], settings.stall_after_s
    )
    return app, pipeline
