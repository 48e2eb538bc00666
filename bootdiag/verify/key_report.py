"""A key file, reported for every platform it may serve: what it is, and the digest each one burns or
compiles in (the platforms' ``key_digests``), plus what each platform's options say about it
(``key_check``: a fuse or eFuse value to compare with, a chip it must suit)."""
from __future__ import annotations

from bootdiag import platforms as registry
from bootdiag.core.platform import load_function
from bootdiag.verify.keys import parse_key, platform_digests
from bootdiag.verify.model import ImageReport, VerifyOptions

FORMAT = "key"


def key_report(data: bytes, path: str, options: VerifyOptions) -> ImageReport:
    key = parse_key(data, path)
    info: dict[str, object] = {
        "algorithm": key.algorithm,
        "private": key.has_private,
        "container": key.container,
        "encoding": key.encoding,
        "digests": platform_digests(key),
    }
    checked = [f"read as {key.describe()}"]
    problems, missing = [], []
    for platform in registry.platforms():
        if not platform.key_check:
            continue
        found = load_function(platform.key_check)(key, options)
        if found is None:
            continue
        problems.extend(found.problems)
        checked.extend(c for c in found.checked if c not in checked)
        missing.extend(m for m in found.missing if m not in missing)
        if found.info:
            info[platform.name] = found.info
    return ImageReport(format=FORMAT, path=path, problems=problems, checked=checked, missing=missing, info=info)
