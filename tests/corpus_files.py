"""Files a corpus case carries beside its log, made by the real tools when the case is read.

A case's ``.expect.toml`` lists them::

    [[files]]
    option = "image"                   # image | key | config, or a platform verify option (efuse_summary...)
    make = "imgtool_image"             # a recipe below (real tools), or:
    path = "sdkconfig"                 # a file in the case's folder
    args = { key = "ecdsa-p256", boot_record = "NSPE" }

so that rules that need an image, a key or a build configuration are tested from the corpus the
way log-only rules are.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcuboot_fixtures import WORKDIR, key_path, signed_image


def _bytes_file(data: bytes, suffix: str) -> Path:
    path = WORKDIR / f"corpus-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    if not path.exists():
        path.write_bytes(data)
    return path


def imgtool_image(key: str | None = "ecdsa-p256", boot_record: str | None = None, security_counter: str | None = None) -> Path:
    """``imgtool sign`` of a small payload."""
    return _bytes_file(signed_image(key, boot_record=boot_record, security_counter=security_counter), ".bin")


def imgtool_key(key: str = "ecdsa-p256") -> Path:
    """``imgtool keygen``."""
    return key_path(key)


RECIPES: dict[str, Callable[..., Path]] = {"imgtool_image": imgtool_image, "imgtool_key": imgtool_key}
OPTIONS = {"image", "key", "config"}


def job_files(case_dir: Path, specs: list[dict[str, Any]]) -> dict[str, Any]:
    """Job fields (images, keys, configs, options) for a case's ``[[files]]``."""
    fields: dict[str, Any] = {"images": [], "keys": [], "configs": [], "options": {}}
    for spec in specs:
        unknown = set(spec) - {"option", "make", "path", "args"}
        assert not unknown, f"[[files]]: unknown keys {sorted(unknown)}"
        if "make" in spec:
            assert spec["make"] in RECIPES, f"[[files]]: no recipe {spec['make']!r} (have {sorted(RECIPES)})"
            path = RECIPES[spec["make"]](**spec.get("args", {}))
        else:
            path = case_dir / spec["path"]
            assert path.is_file(), f"[[files]]: {path} does not exist"
        option = spec["option"]
        if option in OPTIONS:
            fields[{"image": "images", "key": "keys", "config": "configs"}[option]].append(str(path))
        else:
            fields["options"][option] = str(path)
    return fields
