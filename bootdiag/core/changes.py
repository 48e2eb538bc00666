"""What changed in the diagnosis since the last look, for a live stream.

A finding appears as soon as its rule's conditions are met in the open boot session. Until that
session closes it is provisional: a later line of the same session can rule it out (a ``when.none``
condition) or a more specific rule can supersede it; more evidence can refine it. When the session
closes the finding is final and can no longer change.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from bootdiag.core.report import Finding, Report
from bootdiag.core.rules import Rule

ChangeKind = Literal["new", "updated", "final", "withdrawn"]


@dataclass(frozen=True)
class FindingChange:
    kind: ChangeKind
    finding: Finding
    line: int  # the last line read when the change became known
    detail: str = ""
    final: bool = False


def _evidence_lines(finding: Finding) -> list[int]:
    return [ev.line for ev in finding.evidence]


class FindingTracker:
    """Compares successive reports of one stream and names the differences."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._supersedes = {rule.id: set(rule.supersedes) for rule in rules}
        self.shown: dict[str, Finding] = {}
        self.final: set[str] = set()

    def update(self, live: Report, final_ids: set[str], line: int) -> list[FindingChange]:
        """Differences between what was shown and ``live`` (the report with the open session).

        ``final_ids`` are the findings of closed sessions.
        """
        changes: list[FindingChange] = []
        current = {f.id: f for f in live.findings}
        for rule_id, finding in list(self.shown.items()):
            if rule_id not in current:
                del self.shown[rule_id]
                changes.append(FindingChange("withdrawn", finding, line, self._why_withdrawn(rule_id, current)))
        for finding in live.findings:
            final = finding.id in final_ids
            before = self.shown.get(finding.id)
            self.shown[finding.id] = finding
            if before is None:
                changes.append(FindingChange("new", finding, line, final=final))
                if final:
                    self.final.add(finding.id)
                continue
            detail = self._what_changed(before, finding)
            if detail:
                changes.append(FindingChange("updated", finding, line, detail, final=final))
            if final and finding.id not in self.final:
                self.final.add(finding.id)
                changes.append(FindingChange("final", finding, line, final=True))
        return changes

    def _why_withdrawn(self, rule_id: str, current: dict[str, Finding]) -> str:
        for other in current:
            if rule_id in self._supersedes.get(other, ()):
                return f"superseded by {other}"
        return "a later line of the same boot rules it out"

    @staticmethod
    def _what_changed(before: Finding, after: Finding) -> str:
        parts = []
        added = [n for n in _evidence_lines(after) if n not in _evidence_lines(before)]
        if added:
            parts.append("evidence line " + ", ".join(str(n) for n in added) + " added")
        if after.occurrences != before.occurrences:
            parts.append(f"seen {after.occurrences} times")
        if not parts and after.explanation != before.explanation:
            parts.append("explanation refined")
        if not parts and after.fix != before.fix:
            parts.append("fix refined")
        return "; ".join(parts)
