"""No raw PII reaches what the reply path stores or logs: audit row, turns, prompt, logs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from streams.delivery.intake import Decoded
from streams.generation.facts import PlatformPolicies, ProductFacts
from streams.generation.generated import AUDIT_COLUMNS, AuditEntry, LoadedGenerator
from streams.generation.guard.verdict import GuardVerdict
from streams.generation.prompts import Turn
from streams.generation.replies import ReplyService
from streams.records import ChatMessage, SourceRef

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
FACTS = ProductFacts(
    product_id="p1", title="Steel Kettle", category="Home", attributes={"color": "black"},
    price=39.0, currency="USD",
)  # fmt: skip

# The messages an audit found stored raw, and the values that must not be stored.
MESSAGES = [
    ("Charge 4111 1111 1111 1111 exp 12/27 cvv 123 again", ["4111", "12/27", "123"]),
    ("请打电话 138 0013 8000 或写信 wei.zhang@example.cn", ["138 0013 8000", "wei.zhang"]),
    ("I live in Leeds LS6, is delivery free? born 1984-02-29", ["LS6", "1984-02-29"]),
    ("身份证 11010519491231002X, 送到北京市朝阳区建国路88号", ["11010519491231002X", "建国路88号"]),
]


@dataclass(frozen=True)
class _Gen:
    text: str
    prompt_tokens: int = 10
    new_tokens: int = 10
    latency_s: float = 0.1
    finish_reason: str = "stop"


@dataclass
class EchoGenerator:
    """A model that repeats the customer's last message, PII and all."""

    model_sha256: str = "cd" * 32
    provider: str = "CPUExecutionProvider"
    prompts: list[Any] = field(default_factory=list)

    def generate(self, prompts: Sequence[Any], params: Any) -> list[_Gen]:
        self.prompts.extend(prompts)
        return [_Gen(f"You wrote: {prompt[-1]['content']}.") for prompt in prompts]


@dataclass(frozen=True)
class _Params:
    def as_dict(self) -> dict[str, Any]:
        return {}


def _chat(text: str, n: int) -> Decoded[ChatMessage]:
    record = ChatMessage(
        event_id=f"e{n}", conversation_id="c1", message_id=f"m{n}", customer_id="u1",
        text=text, product_id="p1", sent_at=NOW,
    )  # fmt: skip
    return Decoded(
        record, SourceRef(topic="chat", partition=0, offset=n, event_id=f"e{n}"), None, 0
    )


@pytest.mark.parametrize(("message", "secrets"), MESSAGES)
def test_reply_path_stores_and_logs_no_raw_pii(
    message: str, secrets: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    generator = EchoGenerator()
    service = ReplyService(LoadedGenerator(generator, "echo", "1", _Params()), PlatformPolicies())
    # An earlier turn stored before redaction caught everything is redacted when rendered.
    history = [Turn("customer", message), Turn("assistant", "Thanks!")]
    with caplog.at_level(logging.DEBUG):
        [out] = asyncio.run(service.reply([_chat(message, 0)], lambda _: FACTS, lambda _: history))
    row = dict(zip(AUDIT_COLUMNS, out.audit.row(), strict=True))
    stored = [
        row["prompt"], row["output"], row["published"], out.customer_turn.text,
        out.assistant_turn.text, out.reply.text, str(generator.prompts), caplog.text,
    ]  # fmt: skip
    for secret in secrets:
        for text in stored:
            assert secret not in text
    assert row["pii_types"]


def test_audit_row_redacts_text_its_caller_left_raw() -> None:
    entry = AuditEntry(
        id="x", task="reply", source=SourceRef(topic="t", partition=0, offset=0, event_id="e"),
        event_time=NOW, product_id="p1", conversation_id="c1", intent="other", template="reply",
        template_version="reply-v1", prompt="user: my cvv is 123 and card 4111111111111111",
        output="Call 138-0013-8000", published="Sent to SW1A 1AA", loaded=None,
        verdict=GuardVerdict.from_reasons(()), fallback=False, pii_types=(), prompt_tokens=0,
        completion_tokens=0, latency_s=0.0,
    )  # fmt: skip
    row = dict(zip(AUDIT_COLUMNS, entry.row(), strict=True))
    assert row["prompt"] == "user: my cvv is [CVV] and card [CARD]"
    assert row["output"] == "Call [PHONE]"
    assert row["published"] == "Sent to [POSTCODE]"
