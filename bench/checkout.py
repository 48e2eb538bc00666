"""Benches measure the checkout they are in, not whichever bootdiag is installed: an editable
install or a worktree beside it would otherwise be measured in its place."""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def use_checkout() -> None:
    """This checkout's package first on the import path of this process."""
    if str(ROOT) not in sys.path[:1]:
        sys.path.insert(0, str(ROOT))


def child_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) for a child process that must import this checkout's package."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env
