"""Verdicts on source claims, computed from evidence.

Every term module that checks a claim returns a :class:`ClaimCheck`. Its text
form ends with a line the site's build reads::

    verdict[relu-sparsity]: holds

and the claim box on the page must state the same verdict, or the build fails.
So a page can only say what its code measured.

>>> c = ClaimCheck("demo-claim", "wrong", {"expected": 4, "measured": 6})
>>> print(c)
evidence for demo-claim:
  expected  4
  measured  6
verdict[demo-claim]: wrong
>>> ClaimCheck("x", "maybe", {})
Traceback (most recent call last):
...
ValueError: verdict must be one of holds, conditions, wrong; got 'maybe'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .report import table

VERDICTS = ("holds", "conditions", "wrong")


@dataclass(frozen=True)
class ClaimCheck:
    """The evidence for one claim and the verdict it supports."""

    claim_id: str
    verdict: str
    evidence: dict[str, Any]

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(
                f"verdict must be one of {', '.join(VERDICTS)}; got {self.verdict!r}"
            )

    def __str__(self) -> str:
        return "\n".join(
            [
                f"evidence for {self.claim_id}:",
                table(self.evidence, indent="  "),
                f"verdict[{self.claim_id}]: {self.verdict}",
            ]
        )

    # Shown as plain text in notebooks too, not as a dataclass repr.
    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

