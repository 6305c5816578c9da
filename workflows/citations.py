"""An answer of the rules together with where it comes from.

Whatever a rule decides (a threshold, a deadline, an eligibility check) is shown with the
instrument and article it comes from, so an official can check it (ARCHITECTURE rule 8). The
engine knows no instrument; the flows fill these in from their rule sets and legal references.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Citation:
    """A legal source: the instrument and its article, e.g. "NĐ 152/2025/NĐ-CP, Điều 33 khoản 5"."""

    source: str
    #: What the rule says, in a few words (shown beside the source); may be empty.
    summary: str = ""

    def __str__(self):
        return f"{self.source}: {self.summary}" if self.summary else self.source


@dataclass(frozen=True)
class Ruling:
    """The answer of one rule (``value``) and the citation it rests on."""

    value: Any
    citation: Citation
