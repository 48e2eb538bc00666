"""How much of the message catalogues bootdiag reads the ways real pastes carry a line.

    python bench/catalogue_reading.py            # shares per way of pasting, and per platform
    python bench/catalogue_reading.py --missed   # and the message ids not read

Every failure and warning of messages/*.toml is written once in its platform's own envelope
(native), as the message alone (stripped), with the envelope's level lost (for envelopes that have
one), glued after the line that precedes it in its tool's output (glued), and quoted in a sentence
(quoted). A variant is read when the parser gives an event for it that is a failure (for a failure),
not its last-resort reading, and weak exactly when quoted. The variants are tests/catalogue_variants.py;
tests/test_catalogue_pastes.py holds the floors.

Target: every share >= 95%; native 100%.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missed", action="store_true", help="list the message ids not read, per variant")
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    from catalogue_variants import VARIANTS, outcomes, shares

    results = list(outcomes())
    overall = shares(results)
    per_platform = shares(results, key=lambda o: f"{o.known.platform}/{o.variant}")
    platforms = sorted({o.known.platform for o in results})
    print(f"{'variant':<12}{'all':>17}" + "".join(f"{p:>17}" for p in platforms))
    for variant in VARIANTS:
        read, total = overall[variant]
        row = f"{variant:<12}{read:>6}/{total:<5}{read / total:>6.1%}"
        for platform in platforms:
            r, t = per_platform.get(f"{platform}/{variant}", (0, 0))
            row += f"{r:>6}/{t:<5}{r / t:>6.1%}" if t else f"{'-':>17}"
        print(row)
    met = all(read / total >= TARGET for read, total in overall.values())
    print(f"target: every share >= {TARGET:.0%} ({'MET' if met else 'NOT MET'})")
    if args.missed:
        for variant in VARIANTS:
            missed = [o.known.id for o in results if o.variant == variant and not o.read]
            print(f"\n{variant}: {len(missed)} not read")
            for message_id in missed:
                print(f"  {message_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
