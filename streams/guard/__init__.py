"""The guard: pure-Python checks around every generated text.

Inputs are sanitised (:func:`check_input`: control tokens stripped, PII redacted, prompt
injection flagged); outputs are judged (:func:`check_reply`, :func:`validate_description`)
for grounding in product facts and platform policies, PII, unsafe language and prompt
leakage. No model and no I/O: every check is a deterministic function of its arguments.
"""

from streams.guard.description import validate_description
from streams.guard.grounding import check_grounding
from streams.guard.injection import InjectionCheck, detect_injection, strip_control_tokens
from streams.guard.leak import check_leak
from streams.guard.pii import Redaction, redact
from streams.guard.safety import check_safety
from streams.guard.verdict import GuardVerdict, InputCheck, check_input, check_reply

__all__ = [
    "GuardVerdict",
    "InjectionCheck",
    "InputCheck",
    "Redaction",
    "check_grounding",
    "check_input",
    "check_leak",
    "check_reply",
    "check_safety",
    "detect_injection",
    "redact",
    "strip_control_tokens",
    "validate_description",
]
