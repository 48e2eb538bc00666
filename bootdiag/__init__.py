"""bootdiag: explain secure-boot failures from boot logs and firmware images.

Python API::

    import bootdiag
    report = bootdiag.explain(open("capture.log").read())
    report.status, report.findings[0].id
"""
from __future__ import annotations

__version__ = "0.1.0"

TYPE_CHECKING = False  # (typing is not imported here: `python -m bootdiag` pauses the collector first)
if TYPE_CHECKING:
    from typing import Any

    from bootdiag.core.pipeline import explain
    from bootdiag.core.parse import parse_text as parse

__all__ = ["__version__", "explain", "parse", "verify"]


def __getattr__(name: str) -> Any:
    # Lazy: `import bootdiag` stays cheap; the pipeline loads on first use.
    if name == "explain":
        from bootdiag.core.pipeline import explain

        return explain
    if name == "parse":
        from bootdiag.core.parse import parse_text

        return parse_text
    if name == "verify":
        from bootdiag.verify import verify_file

        return verify_file
    raise AttributeError(f"module 'bootdiag' has no attribute {name!r}")
