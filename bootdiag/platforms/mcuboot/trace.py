"""Where an MCUboot image validation stopped, read from its debug lines.

``Image in the primary slot is not valid!`` is the only error line for a wrong hash, an unknown
key, a bad signature, a missing signature or a missing security counter. At debug level
(MCUboot >= 2.3; TF-M ``[VER]``, Zephyr ``D:``) ``bootutil_img_validate`` shows how far it got,
and the control flow of image_validate.c turns that into a verdict:

- the hash TLV is the last thing seen (no further TLV lookup): the hash did not match;
- the TLV walk ended without ``EXPECTED_SIG_TLV``: no signature of the expected type;
- ``EXPECTED_SIG_TLV`` without ``bootutil_verify_sig``: the key TLV named no key the bootloader
  has (the signature is skipped when ``key_id`` is -1);
- ``bootutil_verify_sig`` ran and the walk ended: the signature check itself failed, or, when no
  SEC_CNT TLV was seen, the security counter the bootloader requires is missing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bootdiag.platforms.mcuboot import events as ev

ANY_TLV = 0xFFFF  # IMAGE_TLV_ANY: the type an iteration over every TLV reports when it ends
SEC_CNT = 0x50
SIGNATURE_TLVS = frozenset({0x20, 0x22, 0x23, 0x24, 0x25})


@dataclass
class ValidationTrace:
    started: bool = False
    header_invalid: bool = False
    tlv_problem: bool = False
    hash_checked: bool = False
    after_hash: bool = False  # the walk went on past the hash TLV, so the hash matched
    sig_expected: bool = False
    verify_called: bool = False
    walk_done: bool = False
    walking_all: bool = True  # the current iteration is the validation's walk over every TLV
    found: list[int] = field(default_factory=list)

    def observe(self, event: ev.McubootDebug) -> None:
        self.started = True
        if isinstance(event, ev.McubootHeaderInvalid):
            self.header_invalid = True
        elif isinstance(event, ev.McubootTlvProblem):
            self.tlv_problem = True
        elif isinstance(event, ev.McubootTlvIterBegin):
            self.walking_all = event.tlv == ANY_TLV
        elif isinstance(event, ev.McubootTlvExpected):
            if event.which == "hash":
                self.hash_checked = True
            elif event.which == "sig":
                self.sig_expected = True
        elif isinstance(event, ev.McubootVerifySig):
            self.verify_called = True
        elif isinstance(event, ev.McubootTlvFound) and self.walking_all:
            if self.hash_checked:
                self.after_hash = True
            self.found.append(event.tlv)
        elif isinstance(event, ev.McubootTlvNotFound) and event.tlv == ANY_TLV and self.walking_all:
            self.after_hash = self.after_hash or self.hash_checked
            self.walk_done = True

    def state(self) -> tuple[object, ...]:
        """What it has seen, for :meth:`restored` (a line parser's state)."""
        return (self.started, self.header_invalid, self.tlv_problem, self.hash_checked, self.after_hash,
                self.sig_expected, self.verify_called, self.walk_done, self.walking_all, tuple(self.found))

    @classmethod
    def restored(cls, state: tuple[object, ...]) -> "ValidationTrace":
        *flags, found = state
        return cls(*flags, found=list(found))  # type: ignore[arg-type, call-overload]

    def verdict(self) -> str | None:
        """One of header_invalid, tlv_invalid, hash_mismatch, unsigned, signature_type_mismatch,
        unknown_key, signature_rejected, no_security_counter, incomplete; None without debug lines."""
        if not self.started:
            return None
        if self.header_invalid:
            return "header_invalid"
        if self.tlv_problem:
            return "tlv_invalid"
        if self.hash_checked and not self.after_hash:
            return "hash_mismatch"
        if self.sig_expected and not self.verify_called:
            return "unknown_key"
        if not self.walk_done:
            return "incomplete"
        if not self.sig_expected:
            return "signature_type_mismatch" if SIGNATURE_TLVS & set(self.found) else "unsigned"
        return "signature_rejected" if SEC_CNT in self.found else "no_security_counter"
