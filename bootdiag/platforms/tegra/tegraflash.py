"""Jetson flashing output -> events (grammar: grammars/tegraflash.lark; identifiers: tegra_decode.py).

The family keeps the state a single line cannot carry: the current run's last ``[ t ]`` stamp and
whether it has ended, so that a log pasted after another one (stamps going back, or stamps after
``Error: Return value N``) starts a session of its own, and the chip named by ``--chip``.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bootdiag.core.parse.lalr import Token, Transformer

from bootdiag.core.events import Event
from bootdiag.platforms.tegra import events as ev
from bootdiag.platforms.tegra import decode as dec
from bootdiag.core.parse.family import ClaimsByTrigger, compile_trigger
from bootdiag.core.parse.grammar import parse_and_transform
from bootdiag.platforms.tegra.host import parse_console_login, parse_host_line, parse_recovery_device, ubuntu_problem
from bootdiag.core.numbers import hex_int, parse_int

Parsed = tuple[type[Event], dict[str, Any]]

# tegraflash_internal.py: print('[ %8.4f ] %s' % (diff_time, string)); forum copies collapse the padding
# and sometimes keep BBCode ([b]...[/b]) or markdown bold (**...**) around it.
_STAMP = re.compile(r"^(?:\[/?b\]|\*\*)*\[\s*(\d+\.\d+)\s*\]\s?(?:\[/?b\]|\*\*)*")
_EMPHASIS = re.compile(r"^(?:\[/?b\]|\*\*(?!\*))+|(?:\[/?b\]|(?<!\*)\*\*)+$")
# Where a typed command starts after a prompt, "sudo", "bash", a quote or "$ ".
_PROGRAM_START = re.compile(
    r"(?:^|(?<=[\s\"'“`$]))(?:[\w.~/-]*/)?(?:flash\.sh|odmfuse\.sh|odmfuseread\.sh|flashcmd\.txt|doflash\.sh"
    r"|l4t_initrd_flash\.sh|tegraflash\.py)(?=[\s\"'”`]|$)"
)
_LAUNCHERS = ("sudo", "sudo -E", "bash", "sh", "$", "#", "python3", "python", "time")
# Bodies that are too generic to trust without tegraflash's stamp in front of them.
_NEEDS_STAMP = frozenset({"TegraPhase", "TegraSending", "TegraWritePartition", "TegraVersionReport", "TegraZeroKeySigning", "TegraToolCommand"})
# A stamp this far below the previous one (seconds, and share of it) is a new tegraflash run.
_RESTART_MIN_DROP = 0.05
_RESTART_SHARE = 0.1
# tegraflash_internal.py tegraflash_poll_applet_bl: after `--boot recovery` it asks the board up to 30
# times, a second apart, whether an applet or the CPU bootloader answers (--isapplet, --ismb2, --iscpubl).
# Each ask returns within seconds; one that takes minutes is stuck in USB timeouts: the board stopped
# answering, and the "None of the bootloaders are running" error only comes after 30 of them.
_POLL_FLAGS = frozenset({"--isapplet", "--ismb2", "--iscpubl"})
# What only a device that the tool opened over USB prints: the BootROM's RCM version and chip id, or
# an applet or bootloader naming its version. A tool that could not open the device prints none.
_ANSWERS = (ev.TegraRcmVersion, ev.TegraBrCid, ev.TegraVersionReport)
# tegraflash_internal.py (R32.7.2) runs `tegrarcm --chip .. --rcm` (tegraflash_send_tboot, "Boot Rom
# communication") before `tegrarcm --download bct_bootrom .. --download bct_mb1 ..` (tegraflash_send_bct,
# "Sending BCTs"); R35/R36 first send with --new_session --uid. A download without those flags goes to
# the applet the BootROM took earlier in the same run: the device was there.
_FIRST_CONTACT = frozenset({"--rcm", "--new_session", "--uid", "--listrcm"})
_POLL_STUCK_S = 60.0
# tegraflash phases that begin with "Sending" like tegrarcm's per-item lines.
_SENDING_PHASES = ("BCTs", "bootloader and pre-requisite binaries", "membct and RCM blob", "mb2_applet")
# Device messages that mean a signature, hash or key check failed (T194 MB1 "Failed to verify
# Stage2Signature SHA2.", forum 183512; cboot/MB2 verification messages).
_AUTH_FAILURE = re.compile(r"(?i)fail\w* to verify|verif\w* fail|signature|authenticat\w* fail|hash mismatch|invalid (?:signature|key)")


def _after_bootrom(fields: dict[str, Any]) -> bool:
    """Whether a tool command's fields are a download to the applet the BootROM took earlier in the run."""
    args = fields.get("args", ())
    return fields.get("tool") in ("tegrarcm", "tegrarcm_v2") and "--download" in args and not _FIRST_CONTACT.intersection(args)


def _typed(before: str, program: str) -> bool:
    """Is this a command someone ran (path, prompt, sudo/bash in front), not prose naming the script?"""
    if "/" in program:
        return True
    head = before.rstrip().rstrip("\"'“`")
    return head == "" or head.endswith(_LAUNCHERS)


def _args(items: list[Token]) -> list[str]:
    return [str(a) for a in items]


def _unquote(value: str) -> str:
    return value.strip("\"'“”`")


def _flag_value(args: list[str], *flags: str) -> str | None:
    for i, arg in enumerate(args):
        if arg in flags and i + 1 < len(args):
            return _unquote(args[i + 1])
    return None


def _tool_name(token: str) -> str:
    return token.rsplit("/", 1)[-1]


# L4T R38 flash.sh check_device_mismatch(): a partition layout named *_sd_* / *_sd.xml (the Orin Nano
# devkit module's SD card) used for a module whose board ID and SKU the script lists without one.
_SD_LAYOUT_ON_BOARD_WITHOUT_SD = re.compile(
    r"Using a flash partition table config file of SD card, (?P<layout>\S{1,300}), but the target board does not have SD card"
)


def _error(message: str) -> Parsed:
    """``Error: <message>`` lines of tegraflash.py and flash.sh, by meaning."""
    text = message.strip()
    lower = text.lower()
    if lower.startswith("none of the bootloaders are running"):
        return ev.TegraBootloaderNotRunning, {"message": text}
    if lower.startswith("probing the target board failed"):
        return ev.TegraProbeFailed, {"message": text}
    # L4T R38 flash.sh (main body, before get_board_version): with --no-flash (l4t_initrd_flash.sh and SDK
    # Manager build images so) on Orin, no BR_CID answered and no board spec (BOARDID, FAB...) was given to
    # build without the board. A run that flashes stops before it, at "probing the target board failed".
    if lower.startswith("no board spec. and no target connected"):
        return ev.TegraProbeFailed, {"message": text}
    m = _SD_LAYOUT_ON_BOARD_WITHOUT_SD.match(text)
    if m:
        return ev.TegraBoardMismatch, {"message": text, "what": "storage", "expected": m.group("layout")}
    if lower.startswith("the actual soc id"):
        ids = re.findall(r"SoC ID\((0x[0-9a-fA-F]+)\)", text)
        found = {"actual": ids[0], "expected": ids[-1]} if len(ids) == 2 else {}
        return ev.TegraSocMismatch, {"message": text, **found}
    if lower.startswith("read fuse info failed") or lower.startswith("read fuse from board failed"):
        return ev.TegraFuseResult, {"operation": "read", "ok": False}
    guard = _key_guard(text)
    if guard is not None:
        return guard
    return ev.TegraError, {"message": text}


def _key_guard(text: str) -> Parsed | None:
    """flash.sh chk_soc_sanity: the key files given do not fit the board's Boot Authentication."""
    lower = text.lower()
    if "key file" not in lower and "sbk protected" not in lower:
        return None
    if "for none sbk and pkc protected" in lower:
        return ev.TegraKeyGuard, {"message": text, "board_auth": "NS", "signing": "pkc"}
    if "non-pkc protected" in lower:
        return ev.TegraKeyGuard, {"message": text, "board_auth": "nofuse", "signing": "pkc"}
    if "for sbk and pkc protected" in lower:
        return ev.TegraKeyGuard, {"message": text, "board_auth": "SBKPKC"}
    if "for pkc protected" in lower:
        return ev.TegraKeyGuard, {"message": text, "board_auth": "PKC"}
    if "sbk protected" in lower:
        return ev.TegraKeyGuard, {"message": text, "board_auth": "SBK"}
    return None


# tegrarcm_v2 has two timeout messages, "ERROR: might be timeout in USB write." and "... in USB read "
# (messages/tegra.toml tegra.rcm_usb_write_timeout / tegra.rcm_usb_read_timeout); a paste that cuts the
# line before the last word still shows a USB timeout, only not which transfer it was.
_CUT_TIMEOUT = re.compile(r"might be timeout(?: in(?: usb)?)?[ .]{0,3}$")


def _tool_error(message: str) -> Parsed:
    """tegrarcm_v2 ``ERROR: ...`` lines."""
    text = message.strip().strip("*").strip()
    lower = text.lower()
    if "timeout in usb write" in lower:
        return ev.TegraUsbTimeout, {"direction": "write"}
    if "timeout in usb read" in lower:
        return ev.TegraUsbTimeout, {"direction": "read"}
    if _CUT_TIMEOUT.match(lower):
        return ev.TegraUsbTimeout, {"direction": "unknown"}
    if "rcm_state" in lower and "read" in lower:
        return ev.TegraRcmStateMissing, {}
    if lower.startswith("failed to open usb"):
        return ev.TegraUsbNotReady, {"message": "ERROR: " + text}
    return ev.TegraError, {"message": "ERROR: " + text}


def _meta_error(message: str) -> Parsed:
    """OE4T meta-tegra tegra-flash-helper.sh ``ERR: ...`` lines."""
    text = message.strip()
    m = re.match(r"Target is configured for secure boot \((\w+)\)", text)
    if m:
        return ev.TegraKeyGuard, {"message": "ERR: " + text, "board_auth": m.group(1)}
    if text.startswith("could not retrieve chip ID"):
        return ev.TegraProbeFailed, {"message": "ERR: " + text}
    if text.startswith("Device not found"):  # initrd-flash: wait_for_rcm found no recovery-mode Jetson
        return ev.TegraProbeFailed, {"message": "ERR: " + text}
    if text.startswith("could not retrieve EEPROM"):
        return ev.TegraFlashFailed, {"message": "ERR: " + text}
    m = _CHIP_NOT.match(text)
    if m:  # tegra210-flash-helper.sh: the id read from BR_CID; empty when nothing answered
        if not m.group(2):
            return ev.TegraProbeFailed, {"message": "ERR: " + text}
        return ev.TegraSocMismatch, {"message": "ERR: " + text, "actual": m.group(2), "expected": m.group(1)}
    for pattern, what in _BOARD_CHECKS:
        m = pattern.match(text)
        if m:
            return ev.TegraBoardMismatch, {"message": "ERR: " + text, "what": what, **m.groupdict()}
    return ev.TegraError, {"message": "ERR: " + text}


# OE4T meta-tegra tegra*-flash-helper.sh checks of the board against the MACHINE's flash variables
# (recipes-bsp/tegra-binaries/tegra-helper-scripts/, dunfell 1e47de28a6cc: tegra210 l.151, tegra194
# l.129/205/218, tegra186 l.136/152/180; master d5d93dc69bef: tegra-flash-helper.sh l.238/298/458/464/483/564).
_CHIP_NOT = re.compile(r"chip does not identify as (tegra\d+) \((\S*)\)")
_BOARD_CHECKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"CHIPID \((?P<expected>\S+)\) does not match actual chip ID \((?P<actual>\S+)\)"), "soc"),
    (re.compile(r"chip ID mismatch for (?P<expected>\w+)"), "soc"),
    (re.compile(r"unrecognized chip ID:? (?P<actual>\S+)"), "soc"),
    (re.compile(r"actual board ID (?P<actual>\S+) does not match expected board ID (?P<expected>\S+)"), "board_id"),
    (re.compile(r"actual board SKU (?P<actual>\S+) does not match expected board SKU (?P<expected>\S+)"), "board_sku"),
    (re.compile(r"(?:unrecognized|unsupported) board (?:ID|id):? (?P<actual>\S+)"), "board_id"),
    (re.compile(r"(?:unrecognized|unsupported) board version:? (?P<actual>\S+)"), "board_version"),
    (re.compile(r"no default board SKU for board ID (?P<actual>\S+)"), "board_sku"),
    (re.compile(r"no default chip SKU set"), "chip_sku"),
    (re.compile(r"unrecognized chip SKU:? (?P<actual>\S+)"), "chip_sku"),
)


class _TegraTransformer(Transformer):
    def tool_command(self, items: list[Token]) -> Parsed:
        tool, args = _tool_name(str(items[0])), _args(items[1:])
        return ev.TegraToolCommand, self._tool_fields(tool, args)

    def failed_command(self, items: list[Token]) -> Parsed:
        tool, args = _tool_name(str(items[0])), _args(items[1:])
        fields = self._tool_fields(tool, args)
        return ev.TegraFailedCommand, {**fields, "after_bootrom": _after_bootrom(fields)}

    @staticmethod
    def _tool_fields(tool: str, args: list[str]) -> dict[str, Any]:
        return {
            "tool": tool, "args": args, "chip": dec.chip_of(_flag_value(args, "--chip")),
            "downloads": dec.downloads(args), "signing": dec.args_signing(tool, args),
        }

    def script_command(self, items: list[Token]) -> Parsed:
        program, args = _tool_name(str(items[0])), [_unquote(a) for a in _args(items[1:])]
        args = [a for a in args if a]
        if program == "tegraflash.py":
            return ev.TegraflashCommand, {
                "args": args, "chip": dec.chip_of(_flag_value(args, "--chip")),
                "cmd": _flag_value(args, "--cmd"), "signing": dec.args_signing(program, args),
            }
        key = sbk = None
        if program in ("flash.sh", "doflash.sh", "l4t_initrd_flash.sh"):
            key, sbk = _flag_value(args, "-u"), _flag_value(args, "-v")
        elif program in ("odmfuse.sh", "odmfuseread.sh"):
            key, sbk = _flag_value(args, "-k"), _flag_value(args, "-S")
        positional = [a for i, a in enumerate(args) if not a.startswith("-") and (i == 0 or not args[i - 1].startswith("-"))]
        signing = None
        if program in ("flash.sh", "doflash.sh", "l4t_initrd_flash.sh"):
            signing = ("sbkpkc" if sbk else "pkc") if key else None
        return ev.FlashScriptCommand, {
            "program": program, "args": args, "key_file": key, "sbk_file": sbk,
            "board": positional[0] if positional and program != "flashcmd.txt" else None, "signing": signing,
        }

    def banner(self, _: list[Token]) -> Parsed:
        return ev.TegraflashBanner, {}

    def br_cid(self, items: list[Token]) -> Parsed:
        value = str(items[0])
        decoded = dec.decode_br_cid(value)
        return ev.TegraBrCid, {
            "value": value, "chip": decoded.chip, "auth": decoded.auth, "fuse_level": decoded.fuse_level,
            "key_type": decoded.key_type, "code": decoded.code, "secured": dec.secured(decoded.auth, decoded.fuse_level),
        }

    def rcm_version(self, items: list[Token]) -> Parsed:
        version = hex_int(str(items[0]))
        if version == ev.REFUSED_RCM_VERSION:
            return ev.TegraRcmRefused, {"version": version}
        # 0X180001 (T186), 0X190001 (T194), 0X210001 (T210); T234 reports 0X230001 likewise.
        chip = dec.CHIP_IDS.get(f"0x{version >> 16:x}") if version >> 16 else None
        return ev.TegraRcmVersion, {"version": version, "chip": chip}

    def bootrom(self, items: list[Token | None]) -> Parsed:
        result = str(items[0]) if items and items[0] is not None else None
        if result == "failed":
            return ev.TegraBootRomFailed, {}
        return ev.TegraPhase, {"name": "Boot Rom communication" + (f" {result}" if result else "")}

    def sending(self, items: list[Token]) -> Parsed:
        item = str(items[0]).strip()
        if item.startswith(_SENDING_PHASES):
            return ev.TegraPhase, {"name": "Sending " + item}
        return ev.TegraSending, {"item": item.rstrip(".")}

    def write_partition(self, items: list[Token | None]) -> Parsed:
        file = str(items[1])
        return ev.TegraWritePartition, {"partition": str(items[0]), "file": file, "signing": dec.file_signing(file)}

    def device_log(self, items: list[Token | None]) -> Parsed:
        level = str(items[1])[0]
        rest = str(items[2]).strip() if items[2] is not None else ""
        module, _, message = rest.partition(": ")
        if not message or " " in module.strip():
            module, message = None, rest
        cls = ev.TegraDeviceAuthFailure if level in "EC" and _AUTH_FAILURE.search(message) else ev.TegraDeviceLog
        return cls, {"level": level, "module": module, "message": message}

    def error(self, items: list[Token]) -> Parsed:
        if len(items) == 2:  # RETURN_VALUE INT
            return ev.TegraReturnValue, {"code": parse_int(items[1])}
        return _error(str(items[0]))

    def tool_error(self, items: list[Token]) -> Parsed:
        return _tool_error(str(items[0]))

    def meta_error(self, items: list[Token]) -> Parsed:
        return _meta_error(str(items[0]))

    def phase(self, items: list[Token]) -> Parsed:
        return ev.TegraPhase, {"name": str(items[0]).strip()}

    def usb_not_ready(self, items: list[Token]) -> Parsed:
        return ev.TegraUsbNotReady, {"message": str(items[0]).strip()}

    def rcm_state_open(self, _: list[Token]) -> Parsed:
        return ev.TegraRcmStateMissing, {}

    def bootrom_error(self, items: list[Token]) -> Parsed:
        if items:
            return ev.TegraBootromError, {"code": parse_int(items[0])}
        return ev.TegraPhase, {"name": "BootRom is not running"}

    def boot_error(self, items: list[Token]) -> Parsed:
        return ev.TegraBootromError, {"code": hex_int(str(items[0]))}

    def version_report(self, items: list[Token]) -> Parsed:
        return ev.TegraVersionReport, {"component": str(items[0]).removesuffix(" version"), "version": str(items[1])}

    def uid_failed(self, _: list[Token]) -> Parsed:
        return ev.TegraUidReadFailed, {}

    def zero_key(self, _: list[Token]) -> Parsed:
        return ev.TegraZeroKeySigning, {}

    def flash_ok(self, items: list[Token]) -> Parsed:
        return ev.TegraFlashSucceeded, {"target": str(items[0])}

    def cpubl_check_failed(self, _: list[Token]) -> Parsed:
        return ev.TegraBootloaderNotRunning, {"message": "*** Error: Checking CPU bootloader failed."}

    def flash_failed(self, items: list[Token]) -> Parsed:
        return ev.TegraFlashFailed, {"message": f"Failed flashing {str(items[0]).rstrip('.')}."}

    def board_info_failed(self, _: list[Token]) -> Parsed:
        return ev.TegraFlashFailed, {"message": "Reading board information failed."}

    def no_devices(self, _: list[Token]) -> Parsed:
        return ev.TegraProbeFailed, {"message": "No devices to flash"}

    def fuse_result(self, items: list[Token]) -> Parsed:
        text = str(items[0])
        return ev.TegraFuseResult, {"operation": "read" if "read" in text else "burn", "ok": "fail" not in text}

    def not_root(self, _: list[Token]) -> Parsed:
        return ev.TegraNotRoot, {}

    def target_auth(self, items: list[Token | None]) -> Parsed:
        opmode = str(items[0])
        auth = str(items[1]) if items[1] is not None else None
        level = "pre-production" if opmode == "pre-production" else None
        return ev.TegraTargetAuth, {"opmode": opmode, "auth": auth, "secured": dec.secured(auth, level)}

    def target_board(self, items: list[Token]) -> Parsed:
        parts = [p.strip() for p in str(items[0]).split(",")]
        fields: dict[str, Any] = {"name": parts[0]}
        for part in parts[1:]:
            key, _, value = part.partition(":")
            if key.strip() == "Board Family":
                fields["board_family"] = value.strip()
            elif key.strip() == "SoC":
                fields["soc"] = value.strip()
        return ev.TegraTargetBoard, fields

    def l4t_release(self, items: list[Token]) -> Parsed:
        release = f"{items[0]}.{items[1]}"
        return ev.TegraL4tRelease, {"release": release, "major": parse_int(str(items[0])[1:])}


_TRANSFORMER = _TegraTransformer()


@lru_cache(maxsize=8192)
def parse_tegra_body(body: str) -> Parsed | None:
    return parse_and_transform("tegraflash", "start", body, _TRANSFORMER.transform)


def split_stamp(text: str) -> tuple[float | None, str]:
    """``[   2.0769 ] Sending BCTs`` -> ``(2.0769, "Sending BCTs")``; emphasis markup removed."""
    m = _STAMP.match(text)
    if m:
        return float(m.group(1)), _EMPHASIS.sub("", text[m.end():]).strip()
    return None, _EMPHASIS.sub("", text).strip()


class TegraFamily(ClaimsByTrigger):
    name = "tegra"
    # Specific on purpose: joined with every other family's trigger. Each alternative is a plain phrase so
    # that the trigger screen (parse/screen.py) can anchor it on a rare character of a literal.
    trigger = compile_trigger(
        r"\[ *\d+\.\d{4} \]",  # tegraflash stamp; kernel printk stamps have 6 decimals and no space before ']'
        r"tegrarcm|tegrasign|tegrabct|tegrahost|tegradevflash|tegraparser|tegrakeyhash|tegraflash",
        r"flash\.sh|odmfuse|flashcmd\.txt",
        r"Welcome to Tegra Flash|BR_CID:|Boot Rom communication|might be timeout in USB|rcm_state",
        r"Error: Return value|Error: None of the bootloaders|Error: probing the target|Error: [Ee]ither RSA",
        r"Error: No Board Spec|Error: Using a flash partition table",  # L4T R38 flash.sh
        r"Error: Checking CPU bootloader",  # massflash (nvaflash.sh) ending its --iscpubl poll
        r"Error: L4T does not support|Error: The Actual SoC|Error: The RSA key file|Error: Invalid fuse configuration|Error: read fuse",
        r"[ECIW]> ",  # device log levels
        r"Failed flashing |flashed successfully|Reading board information failed|# OpMode:|# R\d+ , REVISION",
        r"No devices to flash|ERR: Device not found",
        r"ERR: Target is configured|ERR: could not retrieve|ERR: chip does not identify|ERR: CHIPID|ERR: chip ID mismatch",
        r"ERR: actual board|ERR: unrecognized|ERR: unsupported board|ERR: no default|Fuse burning|Fuse read|Fusing burning|ODM fuse has been burned",
        r"WSL|usbipd|VMware|VirtualBox|Parallels|Hyper-V|Ubuntu \d\d\.\d\d",
        r"idVendor=0955|ID 0955:",  # the host seeing a Jetson in recovery (host.py)
        r"as the host|as a host|as my host|as host|host is |host was ",  # an ARM machine named as the host (host.py)
        r" login:|ttyTCU\d|ttyTHS\d| ttyS\d|/ttyS\d",  # the board's console reaching a login (host.py)
        # UEFI's banner and L4TLauncher's boot attempts: no family reads them, the message catalogue
        # does, so that a console capture which stops or resets after them shows a boot under way
        r"UEFI firmware \(version|System firmware version|L4TLauncher: Attempting",
        # T210 nvtboot's banner ("[0000.125] [L4T TegraBoot] (version ...)"): the first line of a Nano or
        # TX1 console, with no level mark and nothing else a trigger knows
        r"\[(?:L4T )?TegraBoot\] \(version",
    )

    def __init__(self) -> None:
        self._last_t: float | None = None
        self._ended = False
        self._restart_pending = False
        self.chip: str | None = None
        self._ubuntu: str | None = None  # host release named earlier in the capture
        self._l4t_major: int | None = None
        self._l4t_release: str | None = None  # "R36.4.0": a host release can be supported from a minor release on
        self._poll: tuple[float, str] | None = None  # stamp and command of the bootloader poll in flight
        self._poll_stuck_said = False
        self._answered = False  # the device answered since the last tool command

    def state(self, no: int) -> tuple[object, ...]:
        """Everything it remembers: stamps included, so runs at other times are not repeats."""
        return (self._last_t, self._ended, self._restart_pending, self.chip, self._ubuntu, self._l4t_major,
                self._l4t_release, self._poll, self._poll_stuck_said, self._answered)

    def restore(self, state: tuple[object, ...], no: int) -> None:
        (self._last_t, self._ended, self._restart_pending, self.chip, self._ubuntu, self._l4t_major,
         self._l4t_release, self._poll, self._poll_stuck_said, self._answered) = state  # type: ignore[assignment]

    def parse(self, text: str, no: int) -> Event | None:
        t, body = split_stamp(text)
        parsed = parse_tegra_body(body) if body else None
        if parsed is None and t is None:
            program = _PROGRAM_START.search(body)
            if program is not None and _typed(body[: program.start()], program.group(0)):
                parsed = parse_tegra_body(body[program.start():].rstrip("”\"'`?.,)"))
        if parsed is None and "0955" in body:
            device = parse_recovery_device(body)
            if device is not None:  # a host kernel or lsusb line: its stamp is not tegraflash's
                return ev.TegraRecoveryDevice.trusted(line=no, text=text, **device)
        stuck = self._stuck_poll(t, text, no) if t is not None else None
        if parsed is None:
            if t is None:
                login = parse_console_login(body)
                if login is not None:
                    return ev.TegraConsoleLogin.trusted(line=no, text=text, **login)
                return self._host(text, no)
            self._track(t, event=False)
            return stuck
        cls, fields = parsed
        if stuck is not None and cls.boundary is None:
            return stuck
        if cls is ev.TegraToolCommand and t is not None and _POLL_FLAGS.intersection(fields.get("args", ())):
            self._poll = (t, body)
        if t is None and cls.__name__ in _NEEDS_STAMP:
            return None
        if cls.boundary is not None:  # a command line or banner: a run starts here
            self._last_t, self._ended, self._restart_pending = None, False, False
            self._poll, self._poll_stuck_said = None, False
        new_run = self._track(t) if t is not None else False
        if cls is ev.TegraToolCommand:
            self._answered = _after_bootrom(fields)
        elif cls.boundary is not None:
            self._answered = False
        elif cls in _ANSWERS:
            self._answered = True
        elif cls is ev.TegraReturnValue:
            fields = {**fields, "answered": self._answered}
        if cls in (ev.TegraReturnValue, ev.TegraFlashSucceeded, ev.TegraFlashFailed, ev.TegraBootloaderNotRunning):
            self._ended = True
        chip = fields.get("chip")
        if chip:
            self.chip = chip
        if cls is ev.TegraL4tRelease:
            self._l4t_major, self._l4t_release = fields["major"], fields["release"]
            if self._ubuntu:
                fields = {**fields, "problem": ubuntu_problem(self._ubuntu, fields["major"], fields["release"])}
        return cls.trusted(line=no, text=text, t=t, new_run=new_run, **fields)

    def _stuck_poll(self, t: float, text: str, no: int) -> Event | None:
        """The line after a bootloader poll: a TegraBootloaderNotRunning when the poll took minutes."""
        poll, self._poll = self._poll, None
        if poll is None or self._poll_stuck_said or t - poll[0] < _POLL_STUCK_S:
            return None
        self._poll_stuck_said = True
        self._track(t, event=False)
        message = f"`{poll[1]}` took {t - poll[0]:.0f} s to answer: the board stopped answering after the recovery boot"
        return ev.TegraBootloaderNotRunning.trusted(line=no, text=text, t=t, new_run=False, message=message)

    def _track(self, t: float, event: bool = True) -> bool:
        """Note a stamp; True when this line is the first event of a new run (a restart seen on
        a line that gives no event is carried to the next one that does)."""
        last = self._last_t
        if last is not None and (self._ended or last - t > max(_RESTART_MIN_DROP, _RESTART_SHARE * last)):
            self._restart_pending = True
            self._ended = False
        self._last_t = t
        if event and self._restart_pending:
            self._restart_pending = False
            return True
        return False

    def _host(self, text: str, no: int) -> Event | None:
        found = parse_host_line(text)
        if found is None:
            return None
        if found["environment"] == "ubuntu":
            self._ubuntu = found["version"]
            if self._l4t_major is not None:
                found["problem"] = ubuntu_problem(found["version"], self._l4t_major, self._l4t_release)
        return ev.TegraHost.trusted(line=no, text=text, **found)
