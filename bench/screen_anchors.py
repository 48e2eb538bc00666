"""What a stop of the trigger screen costs, and how many anchor characters it stops on; prints the figures.

    python bench/screen_anchors.py [--repeat 7]

The screen (bootdiag/core/parse/screen.py) is one regex whose top-level branches each begin with an
anchor character. ``re`` finds the next anchor character with a fast scan, then walks the branches:
one whose first character differs costs a compare, and a stop whose check fails walks them all,
its own and every one after it. :func:`anchor_positions` chooses the anchors with a cost model of
three figures; this script measures them with ``re`` here and prints them beside the model's:

- a stop: entering a match at an anchor character whose check fails at once;
- a branch passed over: a stop of a screen of N branches against one of 1 branch, per branch;
- a lookbehind that fails, in an anchor's check.

Then the bootdiag screen itself, built with each literal anchored at its rarest character and with
the anchors :func:`anchor_positions` keeps: how many anchor characters, the cost of one stop at
each weighted by how often the character comes in a boot log (``CHAR_SHARE``), and how many stops
that makes in 100 characters of a line the screen reads.
"""
from __future__ import annotations

import argparse
import re
import string
import time

_FILLER = "\x7f"  # no check begins with it: every stop fails at once
_STOPS = 20_000


def _per_stop(pattern: str, ch: str, repeat: int) -> float:
    """CPU ns one stop at ``ch`` costs in ``pattern``, the scan between stops taken off."""
    finditer = re.compile(pattern).finditer
    with_stops = (ch + _FILLER) * _STOPS
    without = (_FILLER + _FILLER) * _STOPS

    def best(text: str) -> float:
        fastest = float("inf")
        for _ in range(repeat):
            start = time.process_time()
            for _m in finditer(text):
                pass
            fastest = min(fastest, time.process_time() - start)
        return fastest

    return max(0.0, best(with_stops) - best(without)) / _STOPS * 1e9


def measured_costs(repeat: int) -> dict[str, float]:
    letters = string.ascii_letters[:48]
    # (two branches at least: with one, ``re`` searches for its literal and never walks branches)
    two = _per_stop("a#|b#", "a", repeat)
    many = _per_stop("|".join(f"{c}#" for c in letters), "a", repeat)
    behind = _per_stop("a(?:#|" + "|".join(f"(?<={c * w}a)" for w, c in zip(range(2, 10), "bcdefghi")) + ")|b#", "a", repeat)
    branch = (many - two) / (len(letters) - 2)
    return {
        "stop": max(0.0, two - 2 * branch),
        "branch": branch,
        "lookbehind": max(0.0, behind - two) / 8,
    }


def screen_figures(repeat: int) -> None:
    from bootdiag.core.parse import LineParser
    from bootdiag.core.parse import screen as module

    triggers = LineParser().screen.triggers
    keep = module.anchor_positions
    module.anchor_positions = lambda literals, fixed=frozenset(), branches=2: {lit: lit.anchor() for lit in literals}
    try:
        rarest = module.TriggerScreen(triggers)
    finally:
        module.anchor_positions = keep
    chosen = module.TriggerScreen(triggers)
    print("bootdiag screen              anchors   a stop (weighted by CHAR_SHARE)")
    for name, built in (("each literal at its rarest", rarest), ("anchor_positions", chosen)):
        assert built.screen is not None
        anchors = sorted(built._confirm_for)
        weighted = sum(module.CHAR_SHARE.get(ch, 0.0) * _per_stop(built.screen.pattern, ch, repeat) for ch in anchors)
        share = sum(module.CHAR_SHARE.get(ch, 0.0) for ch in anchors)
        print(f"  {name:<26} {len(anchors):7d}   {weighted / share:6.1f} ns, {100 * share:5.2f} stops per 100 characters")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    from bootdiag.core.parse import screen as module

    costs = measured_costs(args.repeat)
    model = {"stop": module._STOP_COST, "branch": module._BRANCH_COST, "lookbehind": module._LOOKBEHIND_COST}
    print("cost (CPU ns)          measured   model")
    for name, value in costs.items():
        print(f"  {name:<20} {value:8.1f} {model[name]:7.1f}")
    screen_figures(args.repeat)


if __name__ == "__main__":
    main()
