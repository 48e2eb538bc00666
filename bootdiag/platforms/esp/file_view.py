"""What an ESP image given beside the log showed, and where it contradicts the log.

The verifier's report (:mod:`bootdiag.platforms.esp.image`) is long; a reader needs the chip, the
flash settings, the app, and for each signature who signed it and whether the device trusts that
key. Against the log: an image that passes the check the device failed is not the one the device
ran (or it changed when it was written), and a key the given keys or eFuse trust cannot be the
"untrusted key" the device saw.
"""
from __future__ import annotations

from typing import Any

from bootdiag.core.checked_files import FileView, deciding_text, log_decided
from bootdiag.core.report import Report
from bootdiag.verify.model import ImageReport

# Root causes the log names that a valid, well-signed image rules out as "this image"; and those
# that say the device does not trust the signing key.
IMAGE_FAILED = frozenset({"esp.image_modified_after_signing", "esp.signature_invalid", "esp.unsigned_image"})
KEY_UNTRUSTED = frozenset({"esp.wrong_signing_key", "esp.app_key_not_in_bootloader"})


def file_view(image: ImageReport, report: Report) -> FileView | None:
    if image.format not in ("esp-app", "esp-bootloader"):
        return None  # a partition table, or a flash image whose parts come one by one
    info = image.info
    signature = info.get("signature") or {}
    shows = [_header_line(image.format, info), *_signature_lines(signature)]
    shows += [f"{problem.id}: {problem.message}" for problem in image.problems]
    return FileView(shows, _contradictions(image, signature, report))


def _header_line(fmt: str, info: dict[str, Any]) -> str:
    flash = " ".join(str(info[k]) for k in ("flash_mode", "flash_size", "flash_freq") if info.get(k))
    line = f"{fmt} for {info.get('chip', 'an unknown chip')}" + (f", flash {flash}" if flash else "")
    app = info.get("app_desc") or {}
    if app.get("project"):
        line += f"; app {app['project']} {app.get('version', '')}".rstrip()
        if app.get("idf_ver"):
            line += f" (ESP-IDF {app['idf_ver']})"
    return line


def _signature_lines(signature: dict[str, Any]) -> list[str]:
    scheme = signature.get("scheme")
    if scheme == "sbv2":
        return [_block_line(block, signature.get("trusted_keys")) for block in signature.get("blocks", [])]
    if scheme == "sbv1":
        verified = signature.get("verified")
        state = {True: f"verifies with {signature.get('verified_with', 'the key given')}", False: "does not verify", None: "not checked (no key given)"}
        return [f"Secure Boot V1 signature: {state[verified]}"]
    if scheme == "none":
        return ["no signature"]
    return []


def _block_line(block: dict[str, Any], trusted_keys: str | None) -> str:
    head = f"Secure Boot V2 signature block {block.get('index')}"
    if "key_digest" not in block:
        return f"{head}: {block.get('status')}" + (f" ({block['reason']})" if block.get("reason") else "")
    trust = block.get("trusted")
    if trust is True:
        trusted = f"a trusted key ({block.get('trusted_by', 'given')})"
    elif trust is False:
        trusted = f"not a trusted key (trusted: {trusted_keys or 'none'})"
    else:
        trusted = "trust not checked (no --key, --key-digest or --efuse)"
    return (
        f"{head} ({block.get('scheme')}) by key {str(block['key_digest'])[:16]}…: digest "
        f"{'matches' if block.get('digest_ok') else 'does not match'}, signature {'valid' if block.get('signature_ok') else 'invalid'}, {trusted}"
    )


def _contradictions(image: ImageReport, signature: dict[str, Any], report: Report) -> list[str]:
    blocks = [b for b in signature.get("blocks", []) if "key_digest" in b]
    well_signed = bool(blocks) and any(b.get("digest_ok") and b.get("signature_ok") for b in blocks) or signature.get("verified") is True
    trusted = any(b.get("trusted") is True and b.get("digest_ok") and b.get("signature_ok") for b in blocks)
    found: list[str] = []
    for finding in log_decided(report):
        if finding.id in KEY_UNTRUSTED and trusted:
            found.append(
                f"signed with a key the given keys or eFuse trust, but the device said it does not ({deciding_text(finding)}): "
                "its eFuse holds other digests than those given, or it runs another image"
            )
        elif finding.id in IMAGE_FAILED and not image.all_problems() and well_signed:
            found.append(
                f"passes the check the device failed ({deciding_text(finding)}): the device holds another image, "
                "or this one changed as it was written (esptool rewriting the header)"
            )
    return found
