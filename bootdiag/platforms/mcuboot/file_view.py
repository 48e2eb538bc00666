"""What an MCUboot image given beside the log showed, and where it contradicts the log.

A reader needs the version, the hash check, who signed it and the security counter. Against the
log: an image whose hash matches and whose signature verifies with the key given is not the image
the bootloader rejected for its hash, its signature or a missing signature, unless the key given
is not the one built into the bootloader.
"""
from __future__ import annotations

from typing import Any

from bootdiag.core.checked_files import FileView, deciding_text, log_decided
from bootdiag.core.report import Report
from bootdiag.verify.model import ImageReport

# Root causes the log names that a well-signed, intact image rules out as "this image".
IMAGE_FAILED = frozenset({"mcuboot.corrupted_image", "mcuboot.unsigned_image"})
KEY_UNTRUSTED = frozenset({"mcuboot.wrong_signing_key"})


def file_view(image: ImageReport, report: Report) -> FileView | None:
    if image.format != "mcuboot":
        return None
    info = image.info
    header = info.get("header") or {}
    shows = [f"MCUboot image {header.get('version', '?')}, header {header.get('hdr_size', '?')} bytes, "
             f"{header.get('img_size', '?')} bytes of payload"]
    shows.append(_hash_line(info.get("hash")))
    if info.get("signature_check"):
        shows.append(f"signature: {info['signature_check']}")
    if "security_counter" in info:
        shows.append(f"security counter: {info['security_counter'] if info['security_counter'] is not None else 'none'}")
    shows += [f"{problem.id}: {problem.message}" for problem in image.problems]
    return FileView(shows, _contradictions(image, info, report))


def _hash_line(hashed: dict[str, Any] | None) -> str:
    if not hashed:
        return "no hash TLV"
    if not hashed.get("checked"):
        return f"{hashed.get('type')}: not checked ({hashed.get('note', 'the file ends before the signed region')})"
    return f"{hashed.get('type')}: {'matches' if hashed.get('matches') else 'does not match'} the image"


def _contradictions(image: ImageReport, info: dict[str, Any], report: Report) -> list[str]:
    verified = str(info.get("signature_check", "")).startswith("verified with ") and "embedded" not in str(info.get("signature_check"))
    intact = bool((info.get("hash") or {}).get("matches"))
    found: list[str] = []
    for finding in log_decided(report):
        if not image.all_problems() and intact and verified and finding.id in IMAGE_FAILED | KEY_UNTRUSTED:
            also = ", or the bootloader was built with another key than the one given" if finding.id in KEY_UNTRUSTED else ""
            found.append(f"passes the check the bootloader failed ({deciding_text(finding)}): the slot holds another image{also}")
    return found
