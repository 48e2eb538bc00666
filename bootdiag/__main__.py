"""The ``bootdiag`` command and ``python -m bootdiag``: the command line (:mod:`bootdiag.app.cli`),
with Python's cyclic garbage collector paused before it is even imported (see
:mod:`bootdiag.app.collector`)."""
from __future__ import annotations


def main() -> None:
    from bootdiag.app import collector

    collector.pause()
    from bootdiag.app.cli import main as run_command_line

    run_command_line()


if __name__ == "__main__":
    main()
