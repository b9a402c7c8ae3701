"""What the guard decides about one generated text: a verdict, and a revision.

:class:`GuardVerdict` says whether a text may be published and why (or why not);
:class:`Revision` is the text that may be published after unsupported sentences were taken
out, with its verdict and the sentences that went.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["accepted", "rejected"]


@dataclass(frozen=True, slots=True)
class GuardVerdict:
    """The guard's decision on one generated text.

    Attributes:
        verdict: ``"accepted"`` or ``"rejected"``.
        reasons: ``"kind:detail"`` strings: why it was rejected, or, for an accepted
            revision, what was removed (``"removed:material:cotton"``). Empty when the text
            was accepted as it stands.
        pii_types: Kinds of PII found in the text (any makes the verdict ``rejected``).
    """

    verdict: Verdict
    reasons: tuple[str, ...] = ()
    pii_types: tuple[str, ...] = field(default=())

    @property
    def accepted(self) -> bool:
        """Whether the text may be published."""
        return self.verdict == "accepted"

    @classmethod
    def from_reasons(cls, reasons: Iterable[str], pii_types: Iterable[str] = ()) -> GuardVerdict:
        """Build a verdict: rejected when there is any reason, accepted otherwise.

        Args:
            reasons: Reasons collected from the individual checks (deduplicated here).
            pii_types: Kinds of PII found.

        Returns:
            The verdict.
        """
        unique = tuple(dict.fromkeys(reasons))
        return cls(
            verdict="rejected" if unique else "accepted",
            reasons=unique,
            pii_types=tuple(dict.fromkeys(pii_types)),
        )


@dataclass(frozen=True, slots=True)
class Revision:
    """A generated text as it may be published, after unsupported sentences were removed.

    Attributes:
        text: The publishable text after removals; ``""`` when rejected.
        verdict: Accepted iff ``text`` may be published; its reasons include every removal
            (``"removed:kind:detail"``) and every rejection (``"unsupported:kind:detail"``,
            ``"rejected:…"`` or the whole-text check that failed).
        removed: The removed sentences, in order (also listed when the text was rejected
            for having too little left).
    """

    text: str
    verdict: GuardVerdict
    removed: tuple[str, ...] = ()
