"""Events of NVIDIA Jetson flashing: flash.sh / odmfuse.sh, tegraflash.py and its tools, and device UART lines.

Log strings and their sources are documented in ``grammars/tegraflash.lark``. A flash run is one
session: a script or ``tegraflash.py`` command line, the ``Welcome to Tegra Flash`` banner, or a
tegraflash stamp that restarts (stamps going back, or stamps after a run ended) opens the next one.
"""
from __future__ import annotations

from typing import Literal

from bootdiag.core.events import Event
from bootdiag.core.messages import catalogue, identify

# A run that restarts mid-paste always opens a session (rank 0 never continues one).
RUN_RESTART = ("tool", 0)


class TegraEvent(Event):
    kind: str = "TegraEvent"
    family = "tegra"
    t: float | None = None  # tegraflash's "[ %8.4f ]" stamp: seconds since that tegraflash run started
    new_run: bool = False  # the stamp went back, or came after the previous run had ended

    def session_boundary(self) -> tuple[str, float] | None:
        return RUN_RESTART if self.new_run else type(self).boundary


# ---------------------------------------------------------------- what was sent, signed how
class TegraSigning(TegraEvent):
    """Anything that shows how the host signed the images: zero-key, PKC, or PKC+SBK."""

    kind: str = "TegraSigning"
    signing: str | None = None  # zero-key | pkc | sbkpkc

    @property
    def signing_name(self) -> str:
        return {"zero-key": "zero key", "pkc": "PKC", "sbkpkc": "PKC + SBK"}.get(self.signing or "", "unknown")


class FlashScriptCommand(TegraSigning):
    """``sudo ./flash.sh -u rsa_priv.pem jetson-xavier-nx-devkit-emmc mmcblk0p1`` (also odmfuse.sh, flashcmd.txt)."""

    kind: Literal["FlashScriptCommand"] = "FlashScriptCommand"
    program: str
    args: list[str]
    key_file: str | None = None  # flash.sh -u / odmfuse.sh -k
    sbk_file: str | None = None  # flash.sh -v / odmfuse.sh -S
    board: str | None = None
    boundary = ("tool", 0)

    @property
    def command(self) -> str:
        return " ".join([self.program, *self.args])


class TegraflashCommand(TegraSigning):
    """``./tegraflash.py --chip 0x19 ... --cmd "flash; reboot"``: one tegraflash run starts."""

    kind: Literal["TegraflashCommand"] = "TegraflashCommand"
    args: list[str]
    chip: str | None = None
    cmd: str | None = None
    boundary = ("tool", 1)

    def facts(self) -> dict[str, str]:
        return {"chip": self.chip} if self.chip else {}


class TegraflashBanner(TegraEvent):
    """``Welcome to Tegra Flash``."""

    kind: Literal["TegraflashBanner"] = "TegraflashBanner"
    boundary = ("tool", 2)


class TegraToolCommand(TegraSigning):
    """A tool run by tegraflash, echoed with its arguments: ``tegrarcm_v2 --download bct_mb1 x.signed``."""

    kind: Literal["TegraToolCommand"] = "TegraToolCommand"
    tool: str
    args: list[str]
    chip: str | None = None
    downloads: list[str] = []  # "slot=file" for each --download

    @property
    def images(self) -> str:
        return ", ".join(d.split("=", 1)[1] for d in self.downloads) or " ".join(self.args)

    def facts(self) -> dict[str, str]:
        return {"chip": self.chip} if self.chip else {}


class TegraFailedCommand(TegraToolCommand):
    """``Command tegrarcm_v2 ...``: the command line tegraflash prints under ``Error: Return value N``."""

    kind: Literal["TegraFailedCommand"] = "TegraFailedCommand"
    # A download tegraflash sends to the applet only after the BootROM answered earlier in the run.
    after_bootrom: bool = False
    failure = True  # printed only under "Error: Return value N"


class TegraKeyGuard(TegraSigning):
    """flash.sh / meta-tegra refusing the key files for the board's fuse state, before any USB traffic."""

    kind: Literal["TegraKeyGuard"] = "TegraKeyGuard"
    message: str
    board_auth: str | None = None  # what the board is, per the message: NS | PKC | SBKPKC | SBK | nofuse
    failure = True


# ---------------------------------------------------------------- what the board is
class TegraBoardSecurity(TegraEvent):
    """Evidence of the board's fuse state; ``secured`` is None when it cannot be told."""

    kind: str = "TegraBoardSecurity"
    chip: str | None = None
    auth: str | None = None  # NS | PKC | SBKPKC | SBK
    secured: bool | None = None

    @property
    def state(self) -> str:
        if self.secured is True:
            return f"fused for secure boot ({self.auth})"
        if self.secured is False:
            return "not fused for secure boot (" + (self.auth or "pre-production") + ")"
        return "fuse state unknown"


class TegraBrCid(TegraBoardSecurity):
    """``BR_CID: 0x88021911645838891c00000019028200``, decoded as flash.sh does."""

    kind: Literal["TegraBrCid"] = "TegraBrCid"
    value: str
    fuse_level: str
    key_type: str | None = None
    code: str

    def facts(self) -> dict[str, str]:
        found = {"board_auth": self.auth or self.fuse_level}
        if self.chip:
            found["chip"] = self.chip
        return found


# What a T210 (Nano, TX1) BootROM fused for PKC answers, where the RCM version belongs, to RCM messages
# signed with no key: tegrarcm prints "RCM version 0X13", then "Boot Rom communication failed". Seen on
# a Nano whose BR_CID decodes as PKC-fused production (forums.developer.nvidia.com/t/165472) and on
# Nano modules their owners report PKC-fused (forum threads 239538, 269178); tegrarcm is not published.
REFUSED_RCM_VERSION = 0x13


class TegraRcmRefused(TegraBoardSecurity):
    """``RCM version 0X13``: no version but a T210 BootROM's refusal of the RCM messages. It tells the
    board is fused only beside RCM messages signed with no key (rule tegra.key_mismatch checks that),
    so ``secured`` stays unknown here."""

    kind: Literal["TegraRcmRefused"] = "TegraRcmRefused"
    version: int

    @property
    def state(self) -> str:
        return "fused for secure boot, by its BootROM's answer 0x13 to RCM messages signed with no key"


class TegraTargetAuth(TegraBoardSecurity):
    """flash.sh header ``# OpMode: production, Boot Authentication: NS,``."""

    kind: Literal["TegraTargetAuth"] = "TegraTargetAuth"
    opmode: str

    def facts(self) -> dict[str, str]:
        return {"board_auth": self.auth or self.opmode}


class TegraTargetBoard(TegraEvent):
    """flash.sh header ``# Name: jetson-xavier-nx-devkit-emmc, Board Family: t186ref, SoC: Tegra 194,``."""

    kind: Literal["TegraTargetBoard"] = "TegraTargetBoard"
    name: str
    board_family: str | None = None
    soc: str | None = None

    def facts(self) -> dict[str, str]:
        return {"board": self.name}


class TegraHostCheck(TegraEvent):
    """An event that can show the flashing host is unsupported; ``problem`` says why."""

    kind: str = "TegraHostCheck"
    problem: str | None = None


class TegraL4tRelease(TegraHostCheck):
    """flash.sh header ``# R35 , REVISION: 3.1``; ``problem`` when the host distribution seen before it
    is not one this release supports."""

    kind: Literal["TegraL4tRelease"] = "TegraL4tRelease"
    release: str  # "R35.3.1"
    major: int

    def facts(self) -> dict[str, str]:
        return {"l4t": self.release}


class TegraRcmVersion(TegraEvent):
    """``RCM version 0X190001``; a value that names no chip (``0X8``) means garbled USB reads."""

    kind: Literal["TegraRcmVersion"] = "TegraRcmVersion"
    version: int
    chip: str | None = None

    @property
    def plausible(self) -> bool:
        return self.chip is not None


# ---------------------------------------------------------------- progress
class TegraPhase(TegraEvent):
    """tegraflash's own progress lines: ``Sending BCTs``, ``Boot Rom communication``, ``Flashing the device``."""

    kind: Literal["TegraPhase"] = "TegraPhase"
    name: str

    def completes(self) -> bool:
        # tegraflash_internal.py prints these once every partition is written, or (rebooting to
        # recovery) once a read/readinfo/dump operation is done (tegraflash_reboot('recovery'))
        return self.name in ("Flashing completed", "Secure Flashing completed", "Coldbooting the device",
                             "Rebooting to recovery mode")


class TegraSending(TegraEvent):
    """tegrarcm_v2 ``Sending bct_br`` / ``Sending mb1``: the item the BootROM or applet is being sent."""

    kind: Literal["TegraSending"] = "TegraSending"
    item: str


class TegraWritePartition(TegraEvent):
    """``Writing partition kernel with boot_sigheader.img.encrypt [ 48271360 bytes ]``."""

    kind: Literal["TegraWritePartition"] = "TegraWritePartition"
    partition: str
    file: str
    signing: str | None = None


class TegraVersionReport(TegraEvent):
    """``Applet version 01.00.0000`` / ``MB2 Applet version`` / ``Bootloader version`` (T210: ``Cboot version``):
    that stage answers."""

    kind: Literal["TegraVersionReport"] = "TegraVersionReport"
    component: str
    version: str

    def completes(self) -> bool:
        # tegradevflash_v2 prints "Bootloader version" only when the CPU bootloader sent over USB
        # answers (tegraflash_internal.py tegraflash_poll_applet_bl, --iscpubl): the recovery boot
        # reached its last stage. An applet answering is an earlier stage, not an end. T210's
        # tegradevflash names the CPU bootloader, cboot ("Cboot version", "Cboot is not running on device.").
        return self.component in ("Bootloader", "Cboot")


class TegraZeroKeySigning(TegraEvent):
    """tegrasign ``Assuming zero filled SBK key``: no key given, images become ``*.encrypt``."""

    kind: Literal["TegraZeroKeySigning"] = "TegraZeroKeySigning"


# ---------------------------------------------------------------- device and USB
class TegraDeviceLog(TegraEvent):
    """A device log line relayed by tegrarcm or read on the UART: ``E> LOADER: ...``, ``C> MTS error ...``."""

    kind: Literal["TegraDeviceLog"] = "TegraDeviceLog"
    level: str  # E C I W ...
    module: str | None = None
    message: str

    def is_failure(self) -> bool:
        severity = self.catalogued_severity()
        if self.level in ("E", "C"):
            # an error-level line the catalogue knows as printed on healthy boots (the display
            # shutdown of a headless board on its way to a reset) is not a failure
            return severity != "benign"
        # a line of another level the catalogue knows as a failure: "I> Busy Spin", the firmware
        # parking the CPU after a fatal error
        return severity == "failure"

    def catalogued_severity(self) -> str | None:
        """The catalogue's severity of this line's text (module included, as the firmware prints it)."""
        message_id = identify(f"{self.module}: {self.message}" if self.module else self.message, "tegra")
        if message_id is None and self.module:
            message_id = identify(self.message, "tegra")
        return catalogue().severity(message_id) if message_id is not None else None

    def level_name(self) -> str | None:
        return {"E": "error", "C": "error", "W": "warning", "I": "info"}.get(self.level)


class TegraDeviceAuthFailure(TegraDeviceLog):
    """The device refused a signature or hash: ``E> LOADER: Failed to verify Stage2Signature SHA2.``"""

    kind: Literal["TegraDeviceAuthFailure"] = "TegraDeviceAuthFailure"
    failure = True

    def is_failure(self) -> bool:
        return True


class TegraUsbTimeout(TegraEvent):
    """``ERROR: might be timeout in USB write.``: the device stopped taking data (or the host lost it)."""

    kind: Literal["TegraUsbTimeout"] = "TegraUsbTimeout"
    direction: str  # write | read | unknown (the paste cut the line before the direction)
    failure = True


class TegraUsbNotReady(TegraEvent):
    """``USB communication failed.Check if device is in recovery``, ``Cannot Open USB``: normal while the
    device re-enumerates between stages; only the run's result says whether it mattered."""

    kind: Literal["TegraUsbNotReady"] = "TegraUsbNotReady"
    message: str


class TegraRcmStateMissing(TegraEvent):
    """``File rcm_state open failed`` / ``ERROR: failed to read rcm_state``: no state file yet (Orin, benign)."""

    kind: Literal["TegraRcmStateMissing"] = "TegraRcmStateMissing"


class TegraBootRomFailed(TegraEvent):
    """``Boot Rom communication failed``."""

    kind: Literal["TegraBootRomFailed"] = "TegraBootRomFailed"
    failure = True


class TegraBootromError(TegraEvent):
    """``Bootrom returned error 13`` / ``Boot error = 0x...``."""

    kind: Literal["TegraBootromError"] = "TegraBootromError"
    code: int
    failure = True


class TegraUidReadFailed(TegraEvent):
    """``Failed to read UID``: a second ``--uid`` in the same RCM session."""

    kind: Literal["TegraUidReadFailed"] = "TegraUidReadFailed"
    failure = True


# ---------------------------------------------------------------- results
class TegraReturnValue(TegraEvent):
    """``Error: Return value 24``: a tool exited non-zero; tegraflash stops."""

    kind: Literal["TegraReturnValue"] = "TegraReturnValue"
    code: int
    # The device answered the failing command before it stopped (an applet, BootROM or bootloader
    # version, its BR_CID), or the command is a download tegraflash sends only to the applet the
    # BootROM took earlier in the run: the recovery-mode device was there, whatever the exit status.
    answered: bool = False
    failure = True


class TegraError(TegraEvent):
    """``Error: <message>`` from tegraflash or flash.sh, ``ERROR:``/``ERR:`` from a tool or meta-tegra."""

    kind: Literal["TegraError"] = "TegraError"
    message: str
    failure = True


class TegraProbeFailed(TegraError):
    """The host found no Jetson to talk to: flash.sh's ``Error: probing the target board failed.`` (the
    BR_CID probe got no answer), l4t_initrd_flash.sh's ``No devices to flash`` and meta-tegra's
    ``ERR: Device not found`` (no recovery-mode USB device)."""

    kind: Literal["TegraProbeFailed"] = "TegraProbeFailed"


class TegraBootloaderNotRunning(TegraError):
    """``Error: None of the bootloaders are running on device. Check the UART log.``"""

    kind: Literal["TegraBootloaderNotRunning"] = "TegraBootloaderNotRunning"


class TegraBoardMismatch(TegraError):
    """The board attached is not the one the flash configuration is for, or the configuration does not
    know it: meta-tegra's ``ERR: actual board SKU 0005 does not match expected board SKU 0000``,
    ``ERR: unrecognized board ID 3668``, ``ERR: no default chip SKU set``."""

    kind: Literal["TegraBoardMismatch"] = "TegraBoardMismatch"
    what: Literal["soc", "board_id", "board_sku", "board_version", "chip_sku", "storage"]
    actual: str | None = None  # read from the board (BR_CID, EEPROM); None when the config has no value
    expected: str | None = None  # what the configuration names

    @property
    def summary(self) -> str:
        if self.what == "storage":
            return f"the partition layout {self.expected} is for a module with an SD card, and this module has none"
        subject = {"soc": "SoC (chip id)", "board_id": "module's board ID", "board_sku": "module's SKU",
                   "board_version": "module's board version", "chip_sku": "chip SKU"}[self.what]
        if self.actual is not None and self.expected is not None:
            return f"the {subject} is {self.actual}, the configuration is for {self.expected}"
        if self.actual is not None:
            return f"the {subject} is {self.actual}, which the configuration does not cover"
        if self.expected is not None:
            return f"the board is not the {self.expected} the configuration is for"
        return f"the configuration sets no {subject} and the board was not asked for one"


class TegraSocMismatch(TegraBoardMismatch):
    """``Error: The Actual SoC ID(0x19) mismatches intended <board> SoC ID(0x23).`` (flash.sh),
    ``ERR: chip does not identify as tegra210 (0x18)`` (meta-tegra)."""

    kind: Literal["TegraSocMismatch"] = "TegraSocMismatch"
    what: Literal["soc"] = "soc"


class TegraNotRoot(TegraEvent):
    """``flash.sh requires root privilege``."""

    kind: Literal["TegraNotRoot"] = "TegraNotRoot"
    failure = True


class TegraFlashSucceeded(TegraEvent):
    """``*** The target t186ref has been flashed successfully. ***``"""

    kind: Literal["TegraFlashSucceeded"] = "TegraFlashSucceeded"
    completion = True
    target: str


class TegraFlashFailed(TegraEvent):
    """``Failed flashing t186ref.`` / ``Reading board information failed.``"""

    kind: Literal["TegraFlashFailed"] = "TegraFlashFailed"
    message: str
    failure = True


class TegraFuseResult(TegraEvent):
    """``Fuse burning failed``, ``Fuse read successful``, ``*** The ODM fuse has been burned successfully. ***``"""

    kind: Literal["TegraFuseResult"] = "TegraFuseResult"
    operation: str  # burn | read
    ok: bool

    def is_failure(self) -> bool:
        return not self.ok

    def completes(self) -> bool:
        return self.ok


class TegraConsoleLogin(TegraEvent):
    """The Jetson's own serial console reached a login: getty's issue banner
    (``Ubuntu 20.04.6 LTS localhost ttyTCU0``) or its prompt (``jetson login:``). The boot got as
    far as user space: what the kernel's drivers said before it does not stop a boot."""

    kind: Literal["TegraConsoleLogin"] = "TegraConsoleLogin"
    completion = True
    node: str  # the board's host name
    tty: str | None = None  # the console's tty (banner only)


# ---------------------------------------------------------------- the host
class TegraRecoveryDevice(TegraEvent):
    """The host sees a Jetson in Force Recovery: the kernel enumerating NVIDIA's APX device
    (``New USB device found, idVendor=0955, idProduct=7023``) or lsusb listing it (``ID 0955:7023``)."""

    kind: Literal["TegraRecoveryDevice"] = "TegraRecoveryDevice"
    product: str  # USB product id, 4 hex digits
    chip: str
    seen_by: str  # kernel | lsusb

    def completes(self) -> bool:
        # The board's BootROM entered recovery mode and the host enumerated it: the step every
        # flash starts from completed. Only the kernel's own line counts; an lsusb line is often
        # quoted in prose beside a failure ("lsusb shows the device, but ...").
        return self.seen_by == "kernel"

    def facts(self) -> dict[str, str]:
        return {"chip": self.chip}


class TegraHost(TegraHostCheck):
    """What the capture says about the flashing host: distribution, WSL, a VM, usbipd passthrough."""

    kind: Literal["TegraHost"] = "TegraHost"
    environment: str  # ubuntu | wsl | vm | usbipd | arm
    name: str
    version: str | None = None

    def facts(self) -> dict[str, str]:
        return {"host": self.name + (f" {self.version}" if self.version else "")}


# ---------------------------------------------------------------- firmware update (UEFI capsule)
# ESRT LastAttemptStatus values. 0-8: UEFI's (tianocore/edk2 MdePkg/Include/Guid/SystemResourceTable.h,
# LAST_ATTEMPT_STATUS_*). From 6144 (0x1800, LAST_ATTEMPT_STATUS_DEVICE_LIBRARY_MIN_ERROR_CODE_VALUE): the
# Jetson firmware-update library's, its LAS_ERROR_* enum counting up from there (NVIDIA/edk2-nvidia
# Silicon/NVIDIA/Library/FmpDeviceLib/TegraFmp.c: 6144-6163 in every tag r35.2.1-r36.5.1, 6164-6167 (GPT) from
# r35.5.0 and r36.3.0 (not r36.2), 6168-6170 from r38.2).
ESRT_STATUS_NAMES: dict[int, tuple[str, str]] = {
    0: ("SUCCESS", "the last capsule update succeeded, or none was attempted"),
    1: ("ERROR_UNSUCCESSFUL", "the update failed"),
    2: ("ERROR_INSUFFICIENT_RESOURCES", "the firmware lacked the resources (memory) to apply it"),
    3: ("ERROR_INCORRECT_VERSION", "the capsule's version is not one the firmware accepts (older than the lowest supported version)"),
    4: ("ERROR_INVALID_FORMAT", "the capsule's image is not in a format the firmware reads"),
    5: ("ERROR_AUTH_ERROR", "the capsule's signature did not verify with the key the firmware trusts"),
    6: ("ERROR_PWR_EVT_AC", "AC power was not connected"),
    7: ("ERROR_PWR_EVT_BATT", "the battery was too low"),
    8: ("ERROR_UNSATISFIED_DEPENDENCIES", "a dependency the capsule declares was not met"),
    6144: ("BAD_IMAGE_POINTER", "the update library was given no image"),
    6145: ("INVALID_PACKAGE_HEADER", "the capsule's firmware package header did not validate"),
    6146: ("UNSUPPORTED_PACKAGE_TYPE", "the capsule's package is not a firmware package"),
    6147: ("INVALID_PACKAGE_IMAGE_INFO_ARRAY", "the package's image list did not validate"),
    6148: ("IMAGE_TOO_BIG", "an image is larger than its partition"),
    6149: ("PACKAGE_SIZE_ERROR", "the package is shorter than its images say"),
    6150: ("NOT_UPDATABLE", "the firmware is not updatable"),
    6151: ("IMAGE_NOT_IN_PACKAGE", "the capsule holds no image for a partition this board requires, for this board's spec (TegraPlatformSpec / TegraPlatformCompatSpec)"),
    6152: ("MB1_INVALIDATE_ERROR", "invalidating the inactive MB1 before writing failed"),
    6153: ("SINGLE_IMAGE_NOT_SUPPORTED", "a single-image capsule, which this firmware was not built to take"),
    6154: ("IMAGE_INDEX_MISSING", "an image index is missing from the package"),
    6155: ("NO_PROTOCOL_FOR_IMAGE", "the firmware has no partition for an image of the package"),
    6156: ("IMAGE_ATTRIBUTES_ERROR", "an image's attributes could not be read"),
    6157: ("BCT_UPDATE_FAILED", "writing the BCT failed"),
    6158: ("WRITE_IMAGES_FAILED", "writing the images to the inactive boot chain failed"),
    6159: ("MB1_WRITE_ERROR", "writing MB1 failed"),
    6160: ("VERIFY_IMAGES_FAILED", "reading back the written images did not match"),
    6161: ("SET_SINGLE_IMAGE_FAILED", "writing the single image failed"),
    6162: ("FMP_LIB_UNINITIALIZED", "the update library had not initialised (the running firmware could not set it up)"),
    6163: ("BOOT_CHAIN_UPDATE_CANCELED", "the update was canceled: a boot-chain switch (BootChainFwNext) or its status (BootChainFwStatus) was pending"),
    6164: ("GPT_METADATA_UPDATE_FAILED", "writing the inactive chain's partition table failed (no GPT image for this board's spec, or a write error)"),
    6165: ("GPT_VERIFY_FAILED", "the written partition table did not verify"),
    6166: ("GPT_INVALIDATE_FAILED", "invalidating the old partition table failed"),
    6167: ("GPT_WRITE_FAILED", "writing the partition table failed"),
    6168: ("SET_INACTIVE_BOOT_CHAIN_BAD_FAILED", "marking the inactive boot chain bad before writing failed"),
    6169: ("SET_INACTIVE_BOOT_CHAIN_GOOD_FAILED", "marking the written boot chain good failed"),
    6170: ("UPDATE_BCT_BACKUP_PARTITION_FAILED", "writing the BCT's backup partition failed"),
}
ESRT_STATUS_CODES: dict[str, int] = {name: code for code, (name, _m) in ESRT_STATUS_NAMES.items()}


class TegraEsrt(TegraEvent):
    """A field of the ESRT entry of the Jetson's system firmware, as Linux shows it
    (``/sys/firmware/efi/esrt/entries/entry0/last_attempt_status`` ...; esrt.py): the result of the
    last UEFI capsule update and the firmware's version."""

    kind: Literal["TegraEsrt"] = "TegraEsrt"
    field: str  # last_attempt_status | last_attempt_version | fw_version | lowest_supported_fw_version
    value: str  # as shown
    status: int | None = None  # last_attempt_status
    number: int | None = None  # a version as UEFI keeps it (major, minor, patch: one byte each)

    @property
    def status_name(self) -> str:
        known = ESRT_STATUS_NAMES.get(self.status) if self.status is not None else None
        if known is not None:
            return known[0]
        if self.status is not None and 0x1000 <= self.status < 0x1800:
            return "an FmpDxe driver code"
        if self.status is not None and 0x1800 <= self.status < 0x2000:
            return "a firmware-update library code"
        return "a code this release list does not name"

    @property
    def status_meaning(self) -> str:
        known = ESRT_STATUS_NAMES.get(self.status) if self.status is not None else None
        return known[1] if known is not None else "the firmware did not apply the capsule"

    @property
    def version(self) -> str:
        if self.number is None:
            return self.value
        return f"{self.number >> 16 & 0xFF}.{self.number >> 8 & 0xFF}.{self.number & 0xFF}"

    def is_failure(self) -> bool:
        return self.status is not None and self.status != 0

    def completes(self) -> bool:
        # the last capsule update succeeded (or none was attempted): the firmware-update step shows no failure
        return self.status == 0

    def failure_meaning(self) -> str | None:
        if not self.is_failure():
            return None
        return (f"UEFI did not apply the last capsule update: ESRT last_attempt_status {self.status} "
                f"({self.status_name}: {self.status_meaning}). The board still runs its old firmware.")
