"""Prompt format of exported generators, without transformers.

``generation.json`` (:class:`GeneratorSpec`) holds the tokenizer-level facts the runtime
needs: end-of-sequence and pad ids, the context size and how the chat template renders a
conversation. Two template styles exist:

* ``chatml`` — ``<|im_start|>role\\ncontent<|im_end|>\\n`` per message, an optional default
  system message when the conversation has none, and ``<|im_start|>assistant\\n`` as the
  generation prompt. SmolLM2's and Qwen2.5's templates (without tools) are this style, each
  with its own default system message; rendering it needs nothing but Python.
* ``jinja`` — any other template, rendered from its Jinja source with ``jinja2`` (sandboxed,
  the same environment options transformers uses). ``jinja2`` is then a runtime dependency.

The export checks that the native ``chatml`` rendering equals the Jinja rendering before it
records ``chatml`` (see :func:`detect_chatml`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

Role = Literal["system", "user", "assistant"]
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
SPEC_NAME = "generation.json"
TOKENIZER_NAME = "tokenizer.json"


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a conversation.

    Attributes:
        role: ``system``, ``user`` or ``assistant``.
        content: The text of the turn.
    """

    role: Role
    content: str

    def as_dict(self) -> dict[str, str]:
        """The message as the ``{"role", "content"}`` mapping chat templates expect."""
        return {"role": self.role, "content": self.content}


MessageLike = ChatMessage | Mapping[str, Any]
"""A :class:`ChatMessage` or a ``{"role", "content"}`` mapping (e.g. a TypedDict)."""


def to_message(message: MessageLike) -> ChatMessage:
    """Normalise a message; mappings must carry a known ``role`` and a ``content``.

    Raises:
        ValueError: unknown role or missing content.
    """
    if isinstance(message, ChatMessage):
        return message
    role, content = message.get("role"), message.get("content")
    if role not in ("system", "user", "assistant") or not isinstance(content, str):
        msg = f"not a chat message: role={role!r} content type={type(content).__name__}"
        raise ValueError(msg)
    return ChatMessage(role, content)


_PROBES: tuple[tuple[ChatMessage, ...], ...] = (
    (ChatMessage("user", "Hello there"),),
    (
        ChatMessage("system", "Be brief."),
        ChatMessage("user", "Where is my order?"),
        ChatMessage("assistant", "It ships today."),
        ChatMessage("user", "Thanks"),
    ),
)


@dataclass(frozen=True)
class ChatTemplate:
    """How a generator turns a conversation into prompt text.

    Attributes:
        style: ``chatml`` (rendered natively) or ``jinja`` (rendered from ``source``).
        default_system: System message a ``chatml`` template inserts when none is given.
        source: The Jinja template text (kept for ``jinja`` and for the audit trail).
    """

    style: Literal["chatml", "jinja"] = "chatml"
    default_system: str | None = None
    source: str = ""

    def render(self, messages: Sequence[MessageLike], *, add_generation_prompt: bool = True) -> str:
        """Render a conversation to the prompt text the model was trained on.

        Args:
            messages: The conversation, oldest turn first (dataclasses or mappings).
            add_generation_prompt: Append the opening of the assistant's turn.

        Returns:
            The prompt text, special tokens included as text.
        """
        normalised = [to_message(m) for m in messages]
        if self.style == "chatml":
            return render_chatml(
                normalised,
                default_system=self.default_system,
                add_generation_prompt=add_generation_prompt,
            )
        return render_jinja(self.source, normalised, add_generation_prompt=add_generation_prompt)

    def as_config(self) -> dict[str, Any]:
        """The JSON form stored in ``generation_config.json``."""
        return {"style": self.style, "default_system": self.default_system, "source": self.source}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ChatTemplate:
        """Inverse of :meth:`as_config`."""
        style = config.get("style", "chatml")
        if style not in ("chatml", "jinja"):
            msg = f"unknown chat template style {style!r}"
            raise ValueError(msg)
        return cls(
            style=style,
            default_system=config.get("default_system"),
            source=str(config.get("source", "")),
        )


def render_chatml(
    messages: Sequence[ChatMessage],
    *,
    default_system: str | None = None,
    add_generation_prompt: bool = True,
) -> str:
    """Render ChatML, the format of SmolLM2-Instruct's and Qwen2.5-Instruct's chat templates."""
    parts: list[str] = []
    if default_system is not None and messages and messages[0].role != "system":
        parts.append(f"{IM_START}system\n{default_system}{IM_END}\n")
    parts.extend(f"{IM_START}{m.role}\n{m.content}{IM_END}\n" for m in messages)
    if add_generation_prompt:
        parts.append(f"{IM_START}assistant\n")
    return "".join(parts)


def render_jinja(
    source: str, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True
) -> str:
    """Render a Hugging Face chat template with jinja2, as transformers does.

    Raises:
        RuntimeError: jinja2 is not installed.
    """
    try:
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError as exc:  # pragma: no cover - depends on the install
        msg = "this model's chat template needs jinja2 (pip install jinja2)"
        raise RuntimeError(msg) from exc

    def raise_exception(message: str) -> None:
        raise ValueError(message)

    def tojson(value: Any, indent: int | None = None) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    template = env.from_string(source)
    return template.render(
        messages=[m.as_dict() for m in messages], add_generation_prompt=add_generation_prompt
    )


def detect_chatml(render: Callable[[Sequence[ChatMessage]], str], source: str) -> ChatTemplate:
    """Pick the cheapest faithful renderer for a template.

    Args:
        render: Renders a conversation with the reference implementation (for instance the
            tokenizer's ``apply_chat_template`` with ``add_generation_prompt=True``).
        source: The template text, kept in the result.

    Returns:
        A ``chatml`` template when native rendering reproduces ``render`` on probe
        conversations (with and without a system turn), else a ``jinja`` template.
    """
    first = render(_PROBES[0])
    prefix = f"{IM_START}system\n"
    default_system: str | None = None
    if first.startswith(prefix) and IM_END in first:
        default_system = first[len(prefix) : first.index(IM_END)]
    candidate = ChatTemplate(style="chatml", default_system=default_system, source=source)
    if all(candidate.render(probe) == render(probe) for probe in _PROBES):
        return candidate
    return ChatTemplate(style="jinja", default_system=None, source=source)


@dataclass(frozen=True)
class GeneratorSpec:
    """Tokenizer-level facts of an exported generator, stored as ``generation.json``."""

    eos_token_ids: tuple[int, ...]
    pad_token_id: int
    max_context: int
    chat: ChatTemplate = field(default_factory=ChatTemplate)

    def as_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "eos_token_ids": list(self.eos_token_ids),
            "pad_token_id": self.pad_token_id,
            "max_context": self.max_context,
            "chat_template": self.chat.as_config(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GeneratorSpec:
        """Inverse of :meth:`as_dict`."""
        return cls(
            eos_token_ids=tuple(int(i) for i in data["eos_token_ids"]),
            pad_token_id=int(data["pad_token_id"]),
            max_context=int(data["max_context"]),
            chat=ChatTemplate.from_config(data.get("chat_template", {})),
        )

    @classmethod
    def read(cls, path: Path) -> GeneratorSpec:
        """Read ``generation.json``."""
        return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
