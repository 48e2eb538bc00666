"""The table of root causes over many captures (``bootdiag scan``)."""
from __future__ import annotations

from typing import TextIO


def render_cause_table(rows: list[tuple[str, int, str]], out: TextIO, color: bool = False, width: int = 100) -> None:
    """The causes by count in ``width`` columns: a rule id is never cut; the example path folds."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from bootdiag.render.controls import visible

    total = sum(n for _, n, _ in rows)
    colored = color
    console = Console(file=out, force_terminal=colored, no_color=not colored, highlight=False, emoji=False, width=width)
    table = Table(title=f"root causes in {total} capture{'s' if total != 1 else ''}", title_justify="left")
    table.add_column("root cause", no_wrap=True, min_width=max((len(str(cause)) for cause, _, _ in rows), default=10))
    table.add_column("captures", justify="right")
    table.add_column("share", justify="right")
    table.add_column("first capture", overflow="fold")
    for cause, count, example in rows:
        table.add_row(cause, str(count), f"{100 * count / total:.1f}%" if total else "-", escape(visible(example)))
    console.print(table)
