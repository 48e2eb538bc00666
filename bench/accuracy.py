"""How often bootdiag names the cause public threads established, on the real captures in corpus/real/.

    python bench/accuracy.py            # figures per platform and overall
    python bench/accuracy.py --cases    # and one line per capture that is not right

A capture is right when:
- its cause is a rule id: the report's root cause is that rule;
- it is healthy: the report says healthy, or, when the paste stops before the boot or flash completes
  (labelled `truncated`), `incomplete`: no failure seen, and no completion to call healthy;
- its cause is outside the rule catalogue ("other:..."): the report is unexplained, or its root cause
  has low confidence (never healthy, never a confident wrong cause).

A false alarm is a healthy capture reported with a failure (diagnosed or unexplained).

"settled" is top-1 over the captures whose thread established a cause (all but "other:cause_not_found",
where no answer but unexplained or a low finding can be checked as right).

Targets: top-1 accuracy >= 90%, no healthy capture flagged, no failing capture called healthy.
"""
from __future__ import annotations

import argparse
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from checkout import ROOT, use_checkout  # noqa: E402

use_checkout()
REAL = ROOT / "corpus" / "real"
UNSETTLED = "other:cause_not_found"  # a thread that settled no cause
FLAGGED = {"diagnosed", "unexplained"}


@dataclass
class Outcome:
    case: str
    platform: str
    cause: str
    status: str
    top: str | None
    confidence: str | None
    truncated: bool

    @property
    def healthy_case(self) -> bool:
        return self.cause == "healthy"

    @property
    def right(self) -> bool:
        if self.healthy_case:
            return self.status == "healthy" or (self.truncated and self.status == "incomplete")
        if self.cause.startswith("other:"):
            return self.status == "unexplained" or (self.status == "diagnosed" and self.confidence == "low")
        return self.top == self.cause

    @property
    def healthy_over_failure(self) -> bool:
        return not self.healthy_case and self.status == "healthy"

    @property
    def false_alarm(self) -> bool:
        return self.healthy_case and self.status in FLAGGED


def cases() -> list[tuple[Path, dict]]:
    found = []
    for expect in sorted(REAL.glob("*/*.expect.toml")):
        log = expect.with_name(expect.name.removesuffix(".expect.toml") + ".log")
        found.append((log, tomllib.loads(expect.read_text(encoding="utf-8"))))
    return found


def outcomes() -> list[Outcome]:
    import bootdiag

    results = []
    for log, expect in cases():
        report = bootdiag.explain(log)
        top = report.findings[0] if report.findings else None
        results.append(Outcome(
            case=f"{log.parent.name}/{log.stem}", platform=expect["platform"], cause=expect["cause"],
            status=report.status, top=top.id if top else None, confidence=top.confidence if top else None,
            truncated="truncated" in expect.get("paste", []),
        ))
    return results


def figures(results: list[Outcome]) -> dict[str, float | int]:
    failing = [r for r in results if not r.healthy_case]
    healthy = [r for r in results if r.healthy_case]
    settled = [r for r in results if r.cause != UNSETTLED]
    return {
        "captures": len(results),
        "right": sum(r.right for r in results),
        "accuracy": sum(r.right for r in results) / len(results) if results else 0.0,
        "settled": sum(r.right for r in settled) / len(settled) if settled else 0.0,
        "healthy_over_failure": sum(r.healthy_over_failure for r in failing),
        "failing": len(failing),
        "false_alarms": sum(r.false_alarm for r in healthy),
        "healthy": len(healthy),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", action="store_true", help="also list every capture that is not right")
    args = parser.parse_args()
    results = outcomes()
    by_platform: dict[str, list[Outcome]] = defaultdict(list)
    for r in results:
        by_platform[r.platform].append(r)
    print(f"{'platform':<10} {'captures':>8} {'top-1':>7} {'settled':>8} {'healthy over failure':>21} {'false alarms':>13}")
    for name, group in [*sorted(by_platform.items()), ("all", results)]:
        f = figures(group)
        print(f"{name:<10} {f['captures']:>8} {f['accuracy']:>7.1%} {f['settled']:>8.1%} {f['healthy_over_failure']:>12} of {f['failing']:<6} {f['false_alarms']:>5} of {f['healthy']:<5}")
    total = figures(results)
    print(f"targets: top-1 >= 90% ({'MET' if total['accuracy'] >= 0.9 else 'NOT MET'}), "
          f"healthy over failure = 0 ({'MET' if not total['healthy_over_failure'] else 'NOT MET'}), "
          f"false alarms = 0 ({'MET' if not total['false_alarms'] else 'NOT MET'})")
    if args.cases:
        for r in results:
            if not r.right:
                got = r.top or r.status
                print(f"  {r.case}: expected {r.cause}, got {got} ({r.status}{', ' + r.confidence if r.confidence else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
