"""Test-wide set-up: the verifier fixtures (images and keys made by the real tools) are importable
from every test, corpus cases included."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "verify"))
