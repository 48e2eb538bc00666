"""MCUboot console lines -> events (grammar: grammars/mcuboot.lark).

The envelope (wire format) and the message are parsed separately, each cached by text. A line
is claimed only when its envelope is one of MCUboot's; a Zephyr minimal-mode line (``I: msg``,
which any Zephyr application prints too) only when its message is one MCUboot prints.

The family keeps a little state per capture, because some lines mean different things by
position: the image index of the last ``Image index:`` line (the failure lines do not repeat
it), whether the bootloader has already jumped (a Zephyr banner after the jump is the
application's, before it the bootloader's), and the debug lines of the validation in progress
(:mod:`bootdiag.platforms.mcuboot.trace`), which turn the generic "not valid" line into a verdict.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bootdiag.core.events import Event
from bootdiag.platforms.mcuboot import events as ev
from bootdiag.core.parse.family import compile_trigger, int_auto
from bootdiag.core.parse.grammar import parse_and_transform, parse_tree
from bootdiag.core.parse.lalr import Token, Transformer
from bootdiag.platforms.mcuboot.restarts import RestartCount
from bootdiag.platforms.mcuboot.trace import ValidationTrace
from bootdiag.core.numbers import parse_int

Parsed = tuple[type[Event], dict[str, Any]]
# The numbers of MCUboot's flash-area open failure (bootutil loader.c / bootutil_loader.c).
_FLASH_OPEN_SLOT = re.compile(r"ID (\d+) \(image (\d+) slot (\d+)\): (-?\d+)")
_FLASH_OPEN_RC = re.compile(r"-?\d+")

_LEVELS = {
    "ERR": "error", "WRN": "warning", "NOT": "notice", "INF": "info", "DBG": "debug", "VER": "debug",
    "E": "error", "W": "warning", "I": "info", "D": "debug",
    "err": "error", "wrn": "warning", "inf": "info", "dbg": "debug",
}
# Zephyr log sources that are the bootloader itself (boot/zephyr/main.c, bootutil_public.c).
_MCUBOOT_SOURCES = frozenset({"mcuboot", "mcuboot_util"})
# Zephyr's SYS_LOG, which MCUboot's Zephyr port logged through until Zephyr 1.13, puts the calling
# function between the level and the message: "[MCUBOOT] [INF] main: Starting bootloader"
# (LOG_LAYOUT "[%s]%s %s: %s", zephyrproject-rtos/zephyr@0a8b6caa288d:include/logging/sys_log.h;
# SYS_LOG_DOMAIN "MCUBOOT", mcu-tools/mcuboot boot/zephyr/include/mcuboot_config/mcuboot_logging.h).
_CALLER_PREFIX = re.compile(r"[a-z_][a-z0-9_]{0,63}: (.+)")
# First words of the messages MCUboot prints in Zephyr minimal mode (every I:/E: line of an
# application would otherwise reach the grammar).
_MINIMAL_STARTS = (
    r"Starting |Image |Unable to|Failed |Boot|Jumping|Primary|Secondary|Scratch|Swap type|[Ii]nsufficient"
    r"|Cannot upgrade|Not enough|required \d|Detected|panic!|Erasing|Security|Binary|Reset address|[Bb]ad image"
    r"|No slot|Enter the serial|Never should|bootutil_|boot_validate|ED25519|Cleared|\d+ status write"
    # the encrypted-image trace (MCUboot v2.3.0+ encrypted.c, bootutil_misc.c; "writing enc_key" since v1.x)
    r"|boot_enc_load|boot_decrypt_key|boot_read_enc_key|writing enc_key"
)
# The Espressif port built by Zephyr or NuttX logs through ESP-IDF's envelope, with or without the
# time: "I (36) soc_init: MCUboot 2nd stage bootloader", "I (soc_init): ...", "I (82) boot: Loading
# image 0 - slot 0 from flash, area id: 2" (zephyrproject-rtos/zephyr soc/espressif/common/loader.c,
# soc_init.c, flash_init.c; ESP_EARLY_LOGx "%c (%u) %s: " of ESP-IDF log.h). "soc_init" and
# "flash_init" are the port's start-up; under "boot" only MCUboot's own messages are its (the rest
# of that tag is ESP-IDF's own bootloader, or the started image's).
_IDF_ENVELOPE = re.compile(
    r"(?P<level>[EWID]) \((?:[0-9][0-9:.]*\) (?P<tag>soc_init|flash_init|boot|spi_flash)"
    r"|(?P<bare_tag>soc_init|flash_init|boot|spi_flash)\)): ?"
    r"(?P<msg>.*)"
)
_PORT_START_UP = frozenset({"soc_init", "flash_init"})
# The flash driver's start-up lines of the image the port started ("I (spi_flash): detected chip:
# mxic (opi)"): it has begun to start, which does not show it got anywhere (a hang in its start-up
# comes after them).
_IMAGE_START_UP = "spi_flash"
# First words of the MCUboot messages read under the "boot" tag (the grammar says the rest).
_PORT_BOOT_STARTS = rf"{_MINIMAL_STARTS}|Loading image|Application start=|MCUboot "
_PORT_BOOT_MESSAGE = re.compile(rf"(?:{_PORT_BOOT_STARTS})")
_BARE_START = re.compile(r"\*{3,5} (?:Booting|Using) |Booting TF-?M\b|\[(?:Sec Thread|Attest|Crypto)\]")
# A console banner whose line end a paste lost, with the next line glued after its closing stars.
_GLUED_BANNER = re.compile(r"(\*{3,5} (?:Booting|Using) .+? \*{3,5})\s+\S")
_BANNER_VERSION = re.compile(r"\s(?:build|version)\s+(\S+)|\s(v?\d+\.\d+\S*)\s*$")


def _int(token: Token | str) -> int:
    return int_auto(str(token))


def _banner_has_version(banner: str) -> bool:
    """Whether stars found in a glued line close a banner that names its build.

    Zephyr's and MCUboot's banners print a version or build id before the closing stars; a line of
    another tool that opens with ``*** Booting`` and has the next line's ``***`` glued after it (L4T
    massflash's ``*** Booting Recovery succeeded.``) names none, and is not a banner.
    """
    return _BANNER_VERSION.search(" " + banner.strip("* ")) is not None


def _split_banner(text: str) -> tuple[str, str]:
    """``Zephyr OS build v3.2.99-ncs1`` -> (``Zephyr OS``, ``v3.2.99-ncs1``)."""
    text = text.strip()
    m = _BANNER_VERSION.search(" " + text)
    if m is None:
        parts = text.rsplit(None, 1)
        return (parts[0], parts[1]) if len(parts) == 2 else (text, "")
    version = m.group(1) or m.group(2)
    product = text[: m.start() - 1 if m.start() else 0].strip() or text.split()[0]
    return product, version


class _MessageTransformer(Transformer):
    # ---- boot flow
    def start_normal(self, _: list[Token]) -> Parsed:
        return ev.McubootStart, {}

    def start_direct_xip(self, _: list[Token]) -> Parsed:
        return ev.McubootStart, {"direct_xip": True}

    def serial_recovery(self, _: list[Token]) -> Parsed:
        return ev.McubootSerialRecovery, {}

    def never_here(self, _: list[Token]) -> Parsed:
        return ev.McubootNeverHere, {}

    def no_bootable(self, _: list[Token]) -> Parsed:
        return ev.McubootNoBootableImage, {}

    def chainload(self, items: list[Token]) -> Parsed:
        return ev.McubootChainload, {"offset": _int(items[0])}

    def image_version(self, items: list[Token]) -> Parsed:
        return ev.McubootImageVersion, {"version": str(items[0])}

    def jump_normal(self, _: list[Token]) -> Parsed:
        return ev.McubootJump, {}

    def jump_direct_xip(self, _: list[Token]) -> Parsed:
        return ev.McubootJump, {"direct_xip": True}

    def esp_start(self, items: list[Token]) -> Parsed:
        return ev.McubootJump, {"entry": _int(items[0])}

    def esp_port_start(self, _: list[Token]) -> Parsed:
        return ev.McubootStart, {}

    def esp_entry(self, items: list[Token]) -> Parsed:
        return ev.McubootEspEntry, {"entry": int(str(items[0])[:-1], 16)}

    # ---- swap state
    def swap_state(self, items: list[Token]) -> Parsed:
        area, magic, swap_type, copy_done, image_ok = items
        return ev.McubootSwapState, {
            "area": str(area).split()[0].lower(), "magic": str(magic),
            "swap_type": _int(swap_type), "copy_done": _int(copy_done), "image_ok": _int(image_ok),
        }

    def swap_type_indexed(self, items: list[Token]) -> Parsed:
        return ev.McubootSwapType, {"image": parse_int(items[0]), "swap_type": str(items[1]).strip()}

    def swap_type_plain(self, items: list[Token]) -> Parsed:
        return ev.McubootSwapType, {"swap_type": str(items[0]).strip()}

    def boot_source(self, items: list[Token]) -> Parsed:
        return ev.McubootBootSource, {"source": str(items[0]).strip()}

    def unreachable(self, items: list[Token]) -> Parsed:
        return ev.McubootSecondaryUnreachable, {"image": parse_int(items[0])}

    # ---- validation
    def image_invalid(self, items: list[Token]) -> Parsed:
        slot = next(str(i) for i in items if i.type == "SLOT_NAME")
        authenticated = not any(i.type == "AUTH_FAILED" for i in items)
        return ev.McubootImageInvalid, {"slot": slot, **({} if authenticated else {"said": "signature_rejected"})}

    def shared_measured(self, _: list[Token]) -> Parsed:
        return ev.McubootSharedDataFailed, {"area": "measured_boot"}

    def shared_measured_v17(self, items: list[Token]) -> Parsed:
        return ev.McubootSharedDataFailed, {"area": "measured_boot", "image": parse_int(items[0])}

    def shared_data_sharing(self, _: list[Token]) -> Parsed:
        return ev.McubootSharedDataFailed, {"area": "data_sharing"}

    def sec_counter_low(self, items: list[Token]) -> Parsed:
        return ev.McubootSecurityCounterLow, {"value": parse_int(items[0]), "monotonic": parse_int(items[1])}

    def _sec(self, problem: str) -> Parsed:
        return ev.McubootSecurityCounterError, {"problem": problem}

    def sec_update_not_possible(self, _: list[Token]) -> Parsed:
        return self._sec("update_not_possible")

    def sec_update_failed(self, _: list[Token]) -> Parsed:
        return self._sec("update_failed")

    def sec_lock_failed(self, _: list[Token]) -> Parsed:
        return self._sec("lock_failed")

    def sec_init_failed(self, _: list[Token]) -> Parsed:
        return self._sec("init_failed")

    def downgrade_overwrite(self, _: list[Token]) -> Parsed:
        return ev.McubootDowngradePrevented, {}

    def downgrade_swap(self, items: list[Token]) -> Parsed:
        return ev.McubootDowngradePrevented, {"image": parse_int(items[0])}

    def downgrade_swap_old(self, _: list[Token]) -> Parsed:
        return ev.McubootDowngradePrevented, {}

    def _address(self, problem: str) -> Parsed:
        return ev.McubootSlotAddressError, {"problem": problem}

    def wrong_upload_address(self, _: list[Token]) -> Parsed:
        return self._address("wrong_upload_address")

    def not_designated(self, _: list[Token]) -> Parsed:
        return self._address("not_for_primary_slot")

    def not_designated_old(self, _: list[Token]) -> Parsed:
        return self._address("not_for_primary_slot")

    def rom_fixed_mismatch(self, _: list[Token]) -> Parsed:
        return self._address("built_for_other_slot")

    def load_address_unreadable(self, _: list[Token]) -> Parsed:
        return self._address("load_address_unreadable")

    def bad_magic(self, items: list[Token]) -> Parsed:
        fields: dict[str, Any] = {"magic": _int(items[1])}
        if len(items) > 2:
            fields["image"] = parse_int(items[2])
        return ev.McubootBadMagic, fields

    def too_large(self, items: list[Token]) -> Parsed:
        return ev.McubootImageTooLarge, {"size": parse_int(items[0]), "limit": parse_int(items[1])}

    def layout_cannot_upgrade(self, items: list[Token]) -> Parsed:
        return ev.McubootLayoutProblem, {"problem": "cannot upgrade: " + str(items[0]).strip()}

    def layout_no_space(self, _: list[Token]) -> Parsed:
        return ev.McubootLayoutProblem, {"problem": "not enough free space to run swap upgrade"}

    def layout_required(self, items: list[Token]) -> Parsed:
        return ev.McubootLayoutProblem, {"problem": f"swap needs {items[0]} bytes, {items[1]} available"}

    def layout_max_sectors(self, items: list[Token]) -> Parsed:
        return ev.McubootLayoutProblem, {"problem": "more sectors than BOOT_MAX_IMG_SECTORS", "max_sectors": parse_int(items[0])}

    def header_read(self, items: list[Token]) -> Parsed:
        return ev.McubootHeaderReadFailed, {"image": parse_int(items[0]) if items else None}

    def status_inconsistent(self, _: list[Token]) -> Parsed:
        return ev.McubootStatusError, {"problem": "inconsistent swap status"}

    def status_panic(self, _: list[Token]) -> Parsed:
        return ev.McubootStatusError, {"problem": "panic"}

    def status_write(self, _: list[Token]) -> Parsed:
        return ev.McubootStatusError, {"problem": "status write failures during the swap"}

    def status_read(self, _: list[Token]) -> Parsed:
        return ev.McubootStatusError, {"problem": "boot status unreadable"}

    def flash_open(self, items: list[Token]) -> Parsed:
        # loader.c: "ID %d (image %d slot %d): %d[, cannot continue]"; scratch: ": %d" after the words.
        rest = str(items[0]).strip() if items else ""
        slot = _FLASH_OPEN_SLOT.match(rest)
        if slot:
            area_id, image, slot_no, rc = (parse_int(g) for g in slot.groups())
            return ev.McubootFlashOpenFailed, {"area_id": area_id, "image": image, "slot": slot_no, "rc": rc}
        code = _FLASH_OPEN_RC.fullmatch(rest)
        return ev.McubootFlashOpenFailed, {"rc": parse_int(code.group()) if code else None}

    # ---- upgrades
    def up_overwrite(self, items: list[Token]) -> Parsed:
        return ev.McubootUpgradeStep, {"step": "overwrite", "image": parse_int(items[0])}

    def up_erase_primary(self, _: list[Token]) -> Parsed:
        return ev.McubootUpgradeStep, {"step": "erase_primary"}

    def up_copy(self, items: list[Token]) -> Parsed:
        return ev.McubootUpgradeStep, {"step": "copy", "image": parse_int(items[0]), "detail": str(items[1])}

    def up_swap(self, items: list[Token]) -> Parsed:
        return ev.McubootUpgradeStep, {"step": "swap", "detail": str(items[0])}

    def up_erase_secondary(self, _: list[Token]) -> Parsed:
        return ev.McubootUpgradeStep, {"step": "erase_secondary"}

    def up_stuck_revert(self, items: list[Token]) -> Parsed:
        return ev.McubootUpgradeStep, {"step": "stuck_revert_cleared", "image": parse_int(items[0])}

    # ---- TF-M BL2 around MCUboot
    def crypto_done(self, items: list[Token]) -> Parsed:
        keys = str(items[1]).strip() if len(items) > 1 else None
        return ev.McubootCryptoInit, {"sig_type": str(items[0]), "keys": keys}

    def crypto_done_v20(self, _: list[Token]) -> Parsed:
        return ev.McubootCryptoInit, {}

    def platform_error(self, items: list[Token]) -> Parsed:
        return ev.McubootPlatformError, {"step": str(items[0])}

    def pre_load_failed(self, items: list[Token]) -> Parsed:
        return ev.McubootPlatformError, {"step": f"pre-load step for image {items[0]}"}

    def post_load_failed(self, items: list[Token]) -> Parsed:
        return ev.McubootPlatformError, {"step": f"post-load step for image {items[0]}"}

    def dummy_keys(self, _: list[Token]) -> Parsed:
        return ev.McubootDummyKeys, {}

    # ---- direct-XIP / RAM load
    def xip_version(self, items: list[Token]) -> Parsed:
        return ev.McubootXipSlot, {"slot": str(items[0]).lower(), "version": str(items[1])}

    def xip_not_found(self, items: list[Token]) -> Parsed:
        return ev.McubootXipSlot, {"slot": str(items[1]).lower(), "image": parse_int(items[0])}

    def xip_not_found_v17(self, items: list[Token]) -> Parsed:
        return ev.McubootXipSlot, {"slot": str(items[0]).lower()}

    def xip_loaded(self, items: list[Token]) -> Parsed:
        return ev.McubootXipLoaded, {"image": parse_int(items[0]), "slot": str(items[1])}

    def xip_loaded_v17(self, items: list[Token]) -> Parsed:
        return ev.McubootXipLoaded, {"slot": str(items[0])}

    def no_slot(self, items: list[Token]) -> Parsed:
        return ev.McubootNoSlotToLoad, {"image": parse_int(items[0])}

    def sig_failed(self, items: list[Token]) -> Parsed:
        return ev.McubootSignatureFailed, {"code": parse_int(items[0])}

    def enc_error(self, _: list[Token]) -> Parsed:
        return ev.McubootEncryptionError, {}

    # ---- Espressif port
    def mcuboot_banner(self, items: list[Token]) -> Parsed:
        return ev.McubootBanner, {"version": str(items[0])}

    def esp_header_size(self, items: list[Token]) -> Parsed:
        return ev.McubootHeaderSize, {"value": _int(items[1])}

    def esp_info(self, _: list[Token]) -> Parsed:
        return ev.McubootLog, {}

    def esp_load_failed(self, items: list[Token]) -> Parsed:
        return ev.McubootEspLoadFailed, {"problem": str(items[0])}

    # ---- debug lines
    def dbg_validate_start(self, _: list[Token]) -> Parsed:
        return ev.McubootValidateStart, {}

    def dbg_tlv_iteration_failed(self, _: list[Token]) -> Parsed:
        return ev.McubootTlvProblem, {"problem": "TLV iteration failed"}

    def dbg_tlv_beyond(self, _: list[Token]) -> Parsed:
        return ev.McubootTlvProblem, {"problem": "TLV beyond image size"}

    def dbg_tlv_not_permitted(self, items: list[Token]) -> Parsed:
        return ev.McubootTlvProblem, {"problem": f"TLV {items[0]} not permitted"}

    def dbg_tlv_malformed(self, _: list[Token]) -> Parsed:
        return ev.McubootTlvProblem, {"problem": "malformed TLV area"}

    def dbg_tlv_area(self, _: list[Token]) -> Parsed:
        return ev.McubootDebugLine, {}

    def dbg_pure_expected(self, _: list[Token]) -> Parsed:
        return ev.McubootDebugLine, {}

    def dbg_iter_search(self, _: list[Token]) -> Parsed:
        return ev.McubootDebugLine, {}

    def dbg_expected(self, items: list[Token]) -> Parsed:
        which = str(items[0]).split("_")[1].lower()
        return ev.McubootTlvExpected, {"which": which, "tlv": parse_int(items[1])}

    def dbg_iter_begin(self, items: list[Token]) -> Parsed:
        return ev.McubootTlvIterBegin, {"tlv": parse_int(items[0]), "protected": items[1] != "0"}

    def dbg_tlv_found(self, items: list[Token]) -> Parsed:
        return ev.McubootTlvFound, {"tlv": parse_int(items[0]), "offset": parse_int(items[1]), "size": parse_int(items[2])}

    def dbg_tlv_not_found(self, items: list[Token]) -> Parsed:
        return ev.McubootTlvNotFound, {"tlv": parse_int(items[0])}

    def dbg_prot_tlv_not_found(self, items: list[Token]) -> Parsed:
        return ev.McubootTlvNotFound, {"tlv": parse_int(items[0]), "protected": True}

    def dbg_verify_sig(self, items: list[Token]) -> Parsed:
        return ev.McubootVerifySig, {"key_kind": str(items[0]), "key_id": parse_int(items[1])}

    def dbg_find_key(self, items: list[Token]) -> Parsed:
        return ev.McubootFindKey, {"image": parse_int(items[0]) if items else None}

    def dbg_validate_slot(self, items: list[Token]) -> Parsed:
        return ev.McubootValidateSlot, {"slot": parse_int(items[0]), "expected_swap_type": parse_int(items[1])}

    def dbg_header_invalid(self, items: list[Token]) -> Parsed:
        return ev.McubootHeaderInvalid, {"slot": parse_int(items[0])}

    # ---- what the started image prints
    def console_banner(self, items: list[Token]) -> Parsed:
        verb, text = (str(i) for i in items if isinstance(i, str) and i.type in ("BANNER_VERB", "BANNER_TEXT"))  # type: ignore[attr-defined]
        product, version = _split_banner(text)
        if product == "MCUboot" and verb == "Booting":
            return ev.McubootBanner, {"version": version}
        cls = ev.ZephyrBootBanner if verb == "Booting" else ev.ZephyrInfoBanner
        return cls, {"product": product, "version": version}

    def tfm_banner(self, items: list[Token]) -> Parsed:
        return ev.TfmBanner, {"version": str(items[0]) if items else ""}

    def tfm_secure(self, items: list[Token]) -> Parsed:
        partition = str(items[0]).strip("[]")
        rest = str(items[1]).strip() if len(items) > 1 else ""
        if partition == "Attest" and rest.startswith("Boot record is not available"):
            return ev.TfmBootRecordUnavailable, {}
        return ev.TfmSecureLog, {"partition": partition}


_TRANSFORMER = _MessageTransformer()


def _typed(result: Any) -> Parsed | None:
    """A message's event class and fields; ``None`` for a node no method turns into one."""
    return result if isinstance(result, tuple) else None


@lru_cache(maxsize=8192)
def parse_message(msg: str) -> Parsed | None:
    """The typed event class and fields for one message, or None for a message the grammar does not know."""
    return _typed(parse_and_transform("mcuboot", "message", msg, _TRANSFORMER.transform))


@lru_cache(maxsize=1024)
def parse_bare(text: str) -> Parsed | None:
    return _typed(parse_and_transform("mcuboot", "bare", text, _TRANSFORMER.transform))


@lru_cache(maxsize=8192)
def parse_envelope(text: str) -> tuple[str, str | None, str, str | None] | None:
    """``(wire, level, message, zephyr source)`` of an MCUboot-shaped line, or None."""
    tree = parse_tree("mcuboot", "line", text)
    if tree is None:
        return None
    envelope, *body = tree.children
    message = str(body[0]).strip() if body else ""
    tokens = {t.type: str(t) for t in envelope.children if isinstance(t, str)}  # tokens, not nodes
    if envelope.data == "zephyr_log":
        return "zephyr-log", _LEVELS[tokens["ZLEVEL"]], message, tokens["ZSOURCE"]
    if envelope.data == "zephyr_minimal":
        return "zephyr-minimal", _LEVELS[tokens["MIN_LEVEL"][0]], message, None
    wire = "espressif" if envelope.data == "espressif" else "bracket"
    return wire, _LEVELS[tokens["LEVEL_TAG"].strip("[]")], message, None


class McubootFamily:
    name = "mcuboot"
    trigger = compile_trigger(
        r"\[(?:ERR|WRN|NOT|INF|DBG|VER)\]",
        r"<(?:err|wrn|inf|dbg)> \w",
        rf"\b[EWID]: (?:{_MINIMAL_STARTS})",
        r"\*\*\* (?:Booting|Using) ",
        r"Booting TF-?M\b",  # "TFM" before TF-M 1.6 (grammars/mcuboot.lark tfm_banner)
        r"\[(?:Sec Thread|Attest)\]",
        r"[EWI] \((?:[0-9][0-9:.]*\) )?(?:soc|flash)_init\)?: ",
        # the same pasted without its level letter ("(29) soc_init: ..."; a paste's normaliser gives the
        # letter back before the line is read)
        r"(?<![EWIDV] )\([0-9][0-9:.]*\) (?:soc|flash)_init: ",
        r"[EWID] \(boot\): ",
    )
    _envelope_start = re.compile(
        r"\[(?:ERR|WRN|NOT|INF|DBG|VER)\]|\[esp32[a-z0-9]*\] \[|[EWID]: |(?:\[[0-9:.,]+\] )?<(?:err|wrn|inf|dbg)> "
        rf"|[EWID] \((?:[0-9][0-9:.]*\) )?(?:(?:soc|flash)_init\)?: |boot\)?: (?:{_PORT_BOOT_STARTS})|spi_flash\)?: )"
    )
    claim_start = _envelope_start.pattern + "|" + _BARE_START.pattern
    _minimal = re.compile(rf"[EWID]: (?:{_MINIMAL_STARTS})")

    def __init__(self) -> None:
        self.image: int | None = None  # from the last "Image index: N" line
        self.handed_over = False  # "Jumping to the first image slot" seen since the bootloader started
        # "Bootloader chainload address offset: ..." seen since then: a Zephyr banner after it is the
        # image's, whether or not the jump line came through (see McubootChainload)
        self.chainloaded = False
        # MCUboot's "*** Booting MCUboot ... ***" and its "*** Using ... ***" lines are all it printed so
        # far: a bootloader built without logging says nothing else, so the next "*** Booting ... ***"
        # banner is the image it started.
        self.banner_only = False
        self.trace = ValidationTrace()
        self._trace_has_start = False
        self.restarts = RestartCount()

    def state(self, no: int) -> tuple[object, ...]:
        return (self.image, self.handed_over, self.chainloaded, self.banner_only, self.trace.state(),
                self._trace_has_start, self.restarts.state(no))

    def restore(self, state: tuple[object, ...], no: int) -> None:
        self.image, self.handed_over, self.chainloaded, self.banner_only, trace, self._trace_has_start, restarts = state  # type: ignore[assignment]
        self.trace = ValidationTrace.restored(trace)  # type: ignore[arg-type]
        self.restarts = RestartCount.restored(restarts, no)  # type: ignore[arg-type]

    def claims(self, text: str) -> bool:
        return self._envelope_start.match(text) is not None or _BARE_START.match(text) is not None

    def parse(self, text: str, no: int) -> Event | None:
        if _BARE_START.match(text):
            parsed = parse_bare(text)
            if parsed is None and (glued := _GLUED_BANNER.match(text)) is not None and _banner_has_version(glued.group(1)):
                text = glued.group(1)
                parsed = parse_bare(text)
            if parsed is not None:
                return self._build(parsed, no, text, {"wire": "banner", "msg": text})
        if (idf := _IDF_ENVELOPE.match(text)) is not None:
            return self._idf_line(idf, text, no)
        envelope = parse_envelope(text)
        if envelope is None:
            return None
        wire, level, message, source = envelope
        base = {"wire": wire, "level": level, "msg": message}
        if wire == "zephyr-log" and source not in _MCUBOOT_SOURCES:
            self.restarts.saw(ev.ZephyrAppLog, self.handed_over, no)
            return ev.ZephyrAppLog.trusted(line=no, text=text, source=source or "", **base)
        if wire == "zephyr-minimal" and not self._minimal.match(text):
            return None
        parsed = parse_message(message)
        if parsed is None and wire == "bracket" and (named := _CALLER_PREFIX.match(message)) is not None:
            # The message after the name of the function that logged it: read it alone.
            parsed = parse_message(named.group(1))
            if parsed is not None:
                base["msg"] = named.group(1)
        if parsed is None:
            if wire == "zephyr-minimal":
                return None
            self.banner_only = False
            return ev.McubootLog.trusted(line=no, text=text, **base)
        return self._build(parsed, no, text, base)

    def _idf_line(self, m: re.Match[str], text: str, no: int) -> Event | None:
        """A line in ESP-IDF's envelope: the port's start-up lines, and MCUboot's messages under
        "boot"; any other is left to the ESP-IDF reader (``None``)."""
        tag = m.group("tag") or m.group("bare_tag")
        message = m.group("msg").strip()
        base = {"wire": "esp-idf", "level": _LEVELS[m.group("level")], "msg": message}
        if tag == _IMAGE_START_UP:
            if not self.handed_over:
                return None  # an application's own (ESP-IDF's reader)
            return ev.McubootImageStartUp.trusted(line=no, text=text, **base)
        parsed = None
        if tag not in _PORT_START_UP or message.startswith("MCUboot "):
            if _PORT_BOOT_MESSAGE.match(message) is None:
                return None
            parsed = parse_message(message)
            if parsed is None and tag not in _PORT_START_UP:
                return None
        if parsed is None:
            self.banner_only = False
            return ev.McubootLog.trusted(line=no, text=text, **base)
        return self._build(parsed, no, text, base)

    # ---------------------------------------------------------------- positional meaning
    def _build(self, parsed: Parsed, no: int, text: str, base: dict[str, Any]) -> Event:
        cls, fields = parsed
        fields = dict(fields)
        if cls is ev.TfmBanner and self.restarts.goes_on(fields["version"]):
            fields["restarts"], fields["after_secure_image"] = self.restarts.count, False
        elif cls in (ev.McubootStart, ev.McubootBanner, ev.TfmBanner):
            fields["restarts"], fields["after_secure_image"] = self.restarts.started(cls, no)
        elif cls is ev.McubootSwapType and fields.get("swap_type") not in (None, "none"):
            self.restarts.updating()
        if cls in (ev.McubootStart, ev.McubootBanner):
            self._restart()
            self.banner_only = cls is ev.McubootBanner
        elif cls is ev.ZephyrBootBanner and (self.handed_over or self.banner_only or self.chainloaded or self.restarts.ran):
            # after the hand-over, the chainload line, or lines of the image since the last start (TF-M's
            # secure image, which starts the non-secure one), the banner is the image's
            cls = ev.ZephyrAppBanner
        elif cls is ev.McubootSwapType and fields.get("image") is not None:
            self.image = fields["image"]
        elif cls in (ev.McubootJump, ev.McubootEspEntry):
            self.handed_over = True
        elif cls is ev.McubootChainload:
            self.chainloaded = True
        elif cls in (ev.McubootValidateSlot, ev.McubootValidateStart):
            self._begin_validation(cls is ev.McubootValidateSlot)
        self.restarts.saw(cls, self.handed_over, no)
        if cls not in (ev.McubootBanner, ev.ZephyrInfoBanner):
            self.banner_only = False
        if issubclass(cls, ev.McubootDebug):
            self.trace.observe(cls.trusted(line=no, text=text, **base, **fields))
        elif cls is ev.McubootImageInvalid:
            # The debug lines' verdict, else what the line itself says (older TF-M names the check).
            said = fields.pop("said", None)
            fields.update(image=self.image, debug_verdict=self.trace.verdict() or said, tlvs=list(self.trace.found))
            self.trace, self._trace_has_start = ValidationTrace(), False
        elif cls in (ev.McubootSharedDataFailed, ev.McubootBadMagic) and fields.get("image") is None:
            fields["image"] = self.image
        return cls.trusted(line=no, text=text, **base, **fields)

    def _restart(self) -> None:
        self.image = None
        self.handed_over = False
        self.chainloaded = False
        self.banner_only = False
        self.trace, self._trace_has_start = ValidationTrace(), False

    def _begin_validation(self, from_slot_check: bool) -> None:
        # boot_validate_slot prints its line first, then bootutil_img_validate; either opens a trace.
        if from_slot_check or self._trace_has_start:
            self.trace = ValidationTrace()
        self._trace_has_start = not from_slot_check
