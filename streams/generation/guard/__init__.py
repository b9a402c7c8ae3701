"""The guard: pure-Python checks around every generated text.

Inputs are sanitised (:func:`check_input`: control tokens stripped, PII redacted, prompt
injection flagged). Outputs are revised (:func:`review_reply`, :func:`review_description`:
sentences with a claim the facts, policies or conversation do not support are removed) or
judged as they stand (:func:`check_reply`, :func:`validate_description`) for grounding in
product facts and platform policies, PII, unsafe language and prompt leakage. No model and
no I/O: every check is a deterministic function of its arguments.
"""

from streams.generation.guard.description import validate_description
from streams.generation.guard.grounding import check_grounding
from streams.generation.guard.injection import (
    InjectionCheck,
    detect_injection,
    strip_control_tokens,
)
from streams.generation.guard.leak import check_leak
from streams.generation.guard.safety import check_safety
from streams.generation.guard.verdict import (
    GuardVerdict,
    InputCheck,
    Revision,
    check_input,
    check_reply,
    review_description,
    review_reply,
)
from streams.privacy.pii import Redaction, redact

__all__ = [
    "GuardVerdict",
    "InjectionCheck",
    "InputCheck",
    "Redaction",
    "Revision",
    "check_grounding",
    "check_input",
    "check_leak",
    "check_reply",
    "check_safety",
    "detect_injection",
    "redact",
    "review_description",
    "review_reply",
    "strip_control_tokens",
    "validate_description",
]
