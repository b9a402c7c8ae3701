"""Voice: a reply speaks as the shop's assistant, never as the customer.

A small model given a conversation sometimes continues it in the customer's voice: "The
Groundwork Cork Yoga Mat arrived damaged and nobody answered! It took me approximately 2-5
business days to receive it." Every word of that is grounded (the complaint is the
customer's own, the shipping time the policy's), so only its voice tells it apart. Two checks,
on the model's sentences only (templates speak for the shop by construction):

* ``customer_voice:`` the assistant speaks of its own order, delivery or purchase ("it took
  me", "I received", "my order", 我收到, 我的订单);
* ``echo:`` an English sentence repeats five or more words in a row of something the customer
  stated (not asked: an answer restates its question, "you can put it in the washing
  machine"), the product's name aside; or a sentence in any language is one of the customer's
  own, question or not ("…的充绒量是180克。零下十度够穿吗？" asked the customer's question back).
"""

# The docstring quotes Chinese with its own (full-width) punctuation.
# ruff: noqa: RUF002

from __future__ import annotations

import re

from streams.generation.guard.claims import stem

_CUSTOMER_VOICE = re.compile(
    r"\b(?:it took me|took me (?:about |approximately |around )?\w+|"
    r"i (?:received|got (?:it|them|mine)|ordered|bought|paid|returned|waited)|"
    r"i've (?:received|ordered|bought|paid|been waiting)|i sent (?:it|them) back|"
    r"my (?:orders?|parcels?|packages?|deliver(?:y|ies)|refunds?|purchases?))\b"
    r"|我(?:已经)?(?:收到|买了|下单|购买了|寄回|等了)|我的(?:订单|包裹|快递|退款)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[a-z]+)?")
_STATEMENT = re.compile(r"[^.!?\n]+[.!\n]|[^.!?\n]+$")
_QUESTION_START = re.compile(
    r"^\s*(?:how|what|which|when|where|why|who|whose|is|are|am|was|were|do|does|did|can|"
    r"could|will|would|should|shall|may|might|have|has)\b",
    re.IGNORECASE,
)
ECHO_WORDS = 5
"""Words in a row a sentence may share with a customer's statement before it echoes it."""


def _runs(text: str, names: set[str]) -> list[list[str]]:
    # Stemmed words, split where the product's name stands.
    out: list[list[str]] = [[]]
    for word in _WORD.findall(text.lower()):
        if word in names:
            out.append([])
        else:
            out[-1].append(stem(word))
    return [run for run in out if run]


def _statements(customer: str) -> list[str]:
    return [
        s.group()
        for s in _STATEMENT.finditer(customer)
        if not s.group().rstrip().endswith("?") and not _QUESTION_START.match(s.group())
    ]


_CLAUSES = re.compile(r"[^.!?\n\u3002\uff01\uff1f]+")
_NOT_TEXT = re.compile(r"[\W_]+")


def _bare(text: str) -> str:
    return _NOT_TEXT.sub("", text).lower()


class Voice:
    """The voice checks for one conversation: what the customer said is read once.

    Args:
        customer: What the customer wrote in the conversation (its turns, one per line).
        title: The product's name, whose words may be repeated freely.
    """

    def __init__(self, customer: str, title: str = "") -> None:
        self._names = {w.lower() for w in _WORD.findall(title)}
        self._said = {
            tuple(run[i : i + ECHO_WORDS])
            for statement in _statements(customer)
            for run in _runs(statement, self._names)
            for i in range(len(run) - ECHO_WORDS + 1)
        }
        self._clauses = {_bare(clause) for clause in _CLAUSES.findall(customer)}

    def _echo(self, sentence: str) -> str | None:
        for run in _runs(sentence, self._names):
            for i in range(len(run) - ECHO_WORDS + 1):
                if tuple(run[i : i + ECHO_WORDS]) in self._said:
                    return " ".join(run[i : i + ECHO_WORDS])
        return None

    def reasons(self, sentence: str) -> list[str]:
        """Return why ``sentence`` is not in the assistant's voice; empty when it is.

        Args:
            sentence: One sentence of a generated reply.

        Returns:
            ``customer_voice:<words>`` and/or ``echo:<words>``.
        """
        reasons = []
        if (match := _CUSTOMER_VOICE.search(sentence)) is not None:
            reasons.append(f"customer_voice:{match.group().lower()}")
        own = _bare(sentence)
        if (echoed := self._echo(sentence)) is not None:
            reasons.append(f"echo:{echoed}")
        elif len(own) >= 4 and own in self._clauses:
            reasons.append(f"echo:{sentence.strip()[:40]}")
        return reasons


def voice_reasons(sentence: str, customer: str, title: str = "") -> list[str]:
    """Return why ``sentence`` is not in the assistant's voice (:meth:`Voice.reasons`)."""
    return Voice(customer, title).reasons(sentence)
