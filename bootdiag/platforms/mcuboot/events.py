"""Events of MCUboot and the images it starts: TF-M BL2, Zephyr, Espressif and Mynewt ports,
plus the first lines of the booted image that tell whether the hand-over worked.

Every MCUboot line keeps its wire format (``wire``: ``bracket`` for TF-M/Mynewt ``[INF] msg``,
``espressif`` for ``[esp32] [INF] msg``, ``zephyr-minimal`` for ``I: msg``, ``zephyr-log`` for
``<inf> mcuboot: msg``, ``banner`` for un-prefixed console lines), its level and its message.
Message strings and their sources are listed in ``grammars/mcuboot.lark``.
"""
from __future__ import annotations

from functools import cached_property
from typing import Literal

from bootdiag.core.events import Event
from bootdiag.core.messages import catalogue, identify, message_ids

# TLV type numbers as MCUboot's debug lines print them (decimal), bootutil/image.h.
TLV_NAMES = {
    1: "KEYHASH", 2: "PUBKEY", 16: "SHA256", 17: "SHA384", 18: "SHA512", 32: "RSA2048_PSS",
    34: "ECDSA_SIG", 35: "RSA3072_PSS", 36: "ED25519", 37: "SIG_PURE", 64: "DEPENDENCY",
    80: "SEC_CNT", 96: "BOOT_RECORD",
}
ZEPHYR_WIRES = frozenset({"zephyr-minimal", "zephyr-log"})


class McubootEvent(Event):
    """Any MCUboot console line; an unknown message stays this class, as ``McubootLog``."""

    kind: str = "McubootEvent"
    family = "mcuboot"
    wire: str
    level: str | None = None  # error | warning | notice | info | debug; None for banners
    msg: str = ""

    def is_failure(self) -> bool:
        return self.failure or self.level == "error"

    def level_name(self) -> str | None:
        return self.level if self.level in ("error", "warning", "info", "debug") else None

    @property
    def port(self) -> str:
        """Which build printed it, as far as the wire format tells."""
        if self.wire in ZEPHYR_WIRES:
            return "zephyr"
        return {"espressif": "espressif", "esp-idf": "espressif", "bracket": "tf-m or mynewt"}.get(self.wire, "unknown")


class McubootLog(McubootEvent):
    kind: Literal["McubootLog"] = "McubootLog"
    generic = True
    value_sets = {"message_id": message_ids}

    @cached_property  # rule conditions ask it of each event, many times
    def message_id(self) -> str | None:
        """The message catalogue's id of this line's message (no grammar reads it in detail)."""
        return identify(self.msg, "mcuboot")

    def is_failure(self) -> bool:
        if type(self).generic and (message_id := self.message_id) is not None:
            return self.failure or catalogue().severity(message_id) == "failure"
        return super().is_failure()

    def completes(self) -> bool:
        return type(self).completion or (type(self).generic and catalogue().completes(self.message_id or ""))


# ---------------------------------------------------------------- banners and session starts
# Restarts after the booted image had run (counted by the family, see restarts.py) from which a
# capture shows a device that starts over again and again, not a user pressing reset once or twice
# or an update's planned reboot.
RESTART_LOOP = 3


class StartsOver:
    """The first line of a boot, with ``restarts``: how often so far in the capture the device
    started over after the image it booted had run (this start included), and ``after_secure_image``:
    this start came after lines of TF-M's secure image and before any line of the application."""

    restarts: int
    after_secure_image: bool

    def is_failure(self) -> bool:
        return self.after_secure_image or self.restarts >= RESTART_LOOP or super().is_failure()  # type: ignore[misc]

    def failure_meaning(self) -> str | None:
        if self.after_secure_image:
            return ("The device started over after TF-M's secure image had initialised and before the "
                    "non-secure application printed anything: the secure image, or the application's first "
                    "steps (a secure fault on an address the secure side does not grant it), reset the device.")
        if self.restarts < RESTART_LOOP:
            return None
        return (f"The device has started over {self.restarts} times or more after the image it booted had run: "
                "the image resets again and again (a fault with reset on fatal error, a watchdog it does not "
                "feed, a brown-out, a reboot it requests); the log does not say which. Read the reset reason "
                "register, or log the fault before the reset.")


class McubootBanner(StartsOver, McubootEvent):
    """``*** Booting MCUboot v2.1.0 ***`` (Zephyr, MCUboot >= 2.1) or ``*** Booting MCUboot build v2.0.0 ***`` (Espressif)."""

    kind: Literal["McubootBanner"] = "McubootBanner"
    version: str
    boundary = ("device", 2)
    restarts: int = 0  # see StartsOver
    after_secure_image: bool = False

    def facts(self) -> dict[str, str]:
        return {"mcuboot": self.version}


class ZephyrBootBanner(McubootEvent):
    """``*** Booting Zephyr OS build v3.2.99-ncs1 ***`` printed by the bootloader, before ``Starting bootloader``."""

    kind: Literal["ZephyrBootBanner"] = "ZephyrBootBanner"
    product: str
    version: str
    boundary = ("device", 2)
    # The kernel is up and calls main(): MCUboot's "Starting bootloader" comes next, else the lines
    # that follow are the application's own (older MCUboot prints no "Jumping to ..." first).
    # Tentative: "Starting bootloader" after it shows it was MCUboot's own.
    handoff = True
    tentative = True  # MCUboot's own lines may follow (see Event.tentative)

    def facts(self) -> dict[str, str]:
        return {"bootloader_os": f"{self.product} {self.version}"}


class ZephyrInfoBanner(McubootEvent):
    """``*** Using Zephyr OS build v3.6.0 ***`` / ``*** Using nRF Connect SDK v3.1.1 ***``."""

    kind: Literal["ZephyrInfoBanner"] = "ZephyrInfoBanner"
    product: str
    version: str


class McubootStart(StartsOver, McubootEvent):
    """``Starting bootloader`` (Zephyr main.c, TF-M bl2_main.c) or ``Starting Direct-XIP bootloader``."""

    kind: Literal["McubootStart"] = "McubootStart"
    direct_xip: bool = False
    boundary = ("device", 3)
    # See StartsOver; the family counts (restarts.py), an update's swap sets the count back to 0.
    restarts: int = 0
    after_secure_image: bool = False


# ---------------------------------------------------------------- the booted image is running
class McubootAppRunning(McubootEvent):
    """A line printed by the image MCUboot started: proof that the hand-over reached code that runs."""

    kind: str = "McubootAppRunning"
    completion = True


class ZephyrAppBanner(McubootAppRunning):
    """The application's own ``*** Booting Zephyr OS build ... ***`` after ``Jumping to the first image slot``."""

    kind: Literal["ZephyrAppBanner"] = "ZephyrAppBanner"
    product: str
    version: str


class ZephyrAppLog(McubootAppRunning):
    """A Zephyr log line from a module other than ``mcuboot`` (the application's)."""

    kind: Literal["ZephyrAppLog"] = "ZephyrAppLog"
    source: str


class TfmBanner(StartsOver, McubootAppRunning):
    """``Booting TF-M v2.1.0`` (TF-M secure_fw/spm/core/main.c; ``[NOT]`` prefix from v2.3; ``Booting TFM v1.3.0``
    before v1.6)."""

    kind: Literal["TfmBanner"] = "TfmBanner"
    version: str
    # See StartsOver: a silent BL2 leaves this banner as the first line of a boot.
    restarts: int = 0
    after_secure_image: bool = False

    def facts(self) -> dict[str, str]:
        return {"tf-m": self.version}


class TfmSecureLog(McubootAppRunning):
    """An early line of the TF-M secure image: ``[Sec Thread] Secure image initializing!``, ``[Crypto] ...``."""

    kind: Literal["TfmSecureLog"] = "TfmSecureLog"
    partition: str


class TfmBootRecordUnavailable(McubootAppRunning):
    """``[Attest] Boot record is not available`` (TF-M attest_core.c): no SW component in the boot data."""

    kind: Literal["TfmBootRecordUnavailable"] = "TfmBootRecordUnavailable"
    failure = True


# ---------------------------------------------------------------- swap state and image selection
class McubootSwapState(McubootEvent):
    """``Primary image: magic=good, swap_type=0x2, copy_done=0x1, image_ok=0x1`` (BOOT_LOG_SWAP_STATE)."""

    kind: Literal["McubootSwapState"] = "McubootSwapState"
    area: str  # primary | secondary | scratch
    magic: str  # good | unset | bad
    swap_type: int
    copy_done: int
    image_ok: int


class McubootSwapType(McubootEvent):
    """``Image index: 1, Swap type: none`` (``Swap type: none`` before MCUboot 2.0)."""

    kind: Literal["McubootSwapType"] = "McubootSwapType"
    handoff = True
    tentative = True  # MCUboot's own lines may follow (see Event.tentative)
    image: int | None = None
    swap_type: str


class McubootBootSource(McubootEvent):
    kind: Literal["McubootBootSource"] = "McubootBootSource"
    handoff = True
    tentative = True  # MCUboot's own lines may follow (see Event.tentative)
    source: str


class McubootUpgradeStep(McubootEvent):
    """Upgrade progress: overwrite copy, ``Starting swap using move algorithm.``, secondary erased."""

    kind: Literal["McubootUpgradeStep"] = "McubootUpgradeStep"
    step: str
    image: int | None = None
    detail: str | None = None


class McubootSecondaryUnreachable(McubootEvent):
    kind: Literal["McubootSecondaryUnreachable"] = "McubootSecondaryUnreachable"
    image: int


# ---------------------------------------------------------------- validation
class McubootImageRejected(McubootEvent):
    """Base of the lines that say an image in a slot was refused."""

    kind: str = "McubootImageRejected"
    failure = True


class McubootImageInvalid(McubootImageRejected):
    """``Image in the primary slot is not valid!``: the one line for every hash, key, signature and TLV failure.

    ``debug_verdict`` is what the debug lines of the same validation (MCUboot >= 2.3 at debug
    level) show about where it stopped, when they were logged; ``tlvs`` are the TLV types they
    saw; ``image`` is the image index from the last ``Image index:`` line.
    """

    kind: Literal["McubootImageInvalid"] = "McubootImageInvalid"
    slot: str
    image: int | None = None
    debug_verdict: str | None = None
    tlvs: list[int] = []

    @property
    def tlv_names(self) -> str:
        return ", ".join(TLV_NAMES.get(t, str(t)) for t in self.tlvs) or "none"

    @property
    def image_label(self) -> str:
        return f"image {self.image}" if self.image is not None else "the image"


class McubootBadMagic(McubootImageRejected):
    """``Bad image magic 0x20001000; Image=0`` (loader without primary validation, single loader, serial recovery)."""

    kind: Literal["McubootBadMagic"] = "McubootBadMagic"
    magic: int
    image: int | None = None


class McubootNoBootableImage(McubootEvent):
    """``Unable to find bootable image``: boot_go() failed; the port panics or hangs next."""

    kind: Literal["McubootNoBootableImage"] = "McubootNoBootableImage"
    failure = True


class McubootSharedDataFailed(McubootEvent):
    """``Failed to add image data to shared area`` (measured boot) or ``Failed to add data to shared memory area.``."""

    kind: Literal["McubootSharedDataFailed"] = "McubootSharedDataFailed"
    area: str  # measured_boot | data_sharing
    image: int | None = None
    failure = True

    @property
    def image_label(self) -> str:
        return f"image {self.image}" if self.image is not None else "the image"

    @property
    def sw_type(self) -> str:
        """The sw_type TF-M's own signing gives this image index (wrapper.py: _s -> SPE, _ns -> NSPE)."""
        return {0: "SPE", 1: "NSPE"}.get(self.image, "NSPE_SPE") if self.wire == "bracket" else "<SW_TYPE>"


class McubootSecurityCounterLow(McubootEvent):
    """``Image security counter value 3 lower than monotonic value 5`` (MCUboot >= 2.3)."""

    kind: Literal["McubootSecurityCounterLow"] = "McubootSecurityCounterLow"
    value: int
    monotonic: int
    failure = True


class McubootSecurityCounterError(McubootEvent):
    kind: Literal["McubootSecurityCounterError"] = "McubootSecurityCounterError"
    problem: str  # update_not_possible | update_failed | lock_failed | init_failed
    failure = True


class McubootDowngradePrevented(McubootEvent):
    """``Insufficient version in secondary slot`` or ``Image 0 in slot 1 erased due to downgrade prevention``."""

    kind: Literal["McubootDowngradePrevented"] = "McubootDowngradePrevented"
    image: int | None = None
    failure = True


class McubootSlotAddressError(McubootEvent):
    """An image placed or linked for another address: wrong upload offset, reset vector outside the slot."""

    kind: Literal["McubootSlotAddressError"] = "McubootSlotAddressError"
    problem: str
    failure = True


class McubootImageTooLarge(McubootEvent):
    kind: Literal["McubootImageTooLarge"] = "McubootImageTooLarge"
    size: int
    limit: int
    failure = True


class McubootLayoutProblem(McubootEvent):
    """Sector layout, trailer or free-space trouble: the upgrade cannot run."""

    kind: Literal["McubootLayoutProblem"] = "McubootLayoutProblem"
    problem: str
    max_sectors: int | None = None
    failure = True


class McubootHeaderReadFailed(McubootEvent):
    """``Failed reading image headers; Image=0``: a warning that often precedes a rejected image."""

    kind: Literal["McubootHeaderReadFailed"] = "McubootHeaderReadFailed"
    image: int | None = None


class McubootStatusError(McubootEvent):
    kind: Literal["McubootStatusError"] = "McubootStatusError"
    problem: str
    failure = True


class McubootFlashOpenFailed(McubootEvent):
    """``Failed to open flash area ID 2 (image 0 slot 1): -2, cannot continue`` (bootutil loader),
    ``Failed to open scratch flash area: -19``, ``Failed to open flash areas, cannot continue``.
    ``rc`` is what the port's flash_area_open() returned (a negative errno on Zephyr)."""

    kind: Literal["McubootFlashOpenFailed"] = "McubootFlashOpenFailed"
    area_id: int | None = None
    image: int | None = None
    slot: int | None = None
    rc: int | None = None
    failure = True


class McubootSignatureFailed(McubootEvent):
    """``ED25519 signature verification failed -149``: the only signature-specific error line (PSA Ed25519)."""

    kind: Literal["McubootSignatureFailed"] = "McubootSignatureFailed"
    code: int
    failure = True


class McubootEncryptionError(McubootEvent):
    kind: Literal["McubootEncryptionError"] = "McubootEncryptionError"
    failure = True


class McubootPlatformError(McubootEvent):
    """TF-M BL2 steps around MCUboot: platform init, OTP, provisioning, crypto init, pre/post-load hooks."""

    kind: Literal["McubootPlatformError"] = "McubootPlatformError"
    step: str
    failure = True


class McubootNeverHere(McubootEvent):
    kind: Literal["McubootNeverHere"] = "McubootNeverHere"
    failure = True


# ---------------------------------------------------------------- boot facts and hand-over
class McubootCryptoInit(McubootEvent):
    """``PSA Crypto init done, sig_type: EC-P256, using builtin keys`` (TF-M BL2 >= 2.0)."""

    kind: Literal["McubootCryptoInit"] = "McubootCryptoInit"
    sig_type: str | None = None
    keys: str | None = None

    def facts(self) -> dict[str, str]:
        return {"mcuboot_signature": self.sig_type} if self.sig_type else {}


class McubootDummyKeys(McubootEvent):
    kind: Literal["McubootDummyKeys"] = "McubootDummyKeys"


class McubootSerialRecovery(McubootEvent):
    kind: Literal["McubootSerialRecovery"] = "McubootSerialRecovery"


class McubootChainload(McubootEvent):
    """``Bootloader chainload address offset: 0x80000``: the slot MCUboot boots from.

    The bootloader has chosen the image but not yet jumped: ``Image version: v...`` and ``Jumping to
    the first image slot`` follow it in every version (mcuboot boot/zephyr/main.c:347-361 at 2d4bacc3;
    sdk-mcuboot boot/zephyr/main.c:948-962 at e994ef4e, then its flash protection, which can still
    cancel the start at :988; TF-M bl2/ext/mcuboot/bl2_main.c:236-241 at b23e66338). nRF Connect SDK
    captures often show no jump line after it, so the boot is handed over here, and what follows
    decides: the image's own lines (its banner, its log) show it runs, a capture that stops here
    shows no boot that completed."""

    kind: Literal["McubootChainload"] = "McubootChainload"
    handoff = True
    tentative = True  # MCUboot's own lines may follow (see Event.tentative)
    offset: int


class McubootImageVersion(McubootEvent):
    """``Image version: v1.2.3``: printed between the chainload line and the jump (see McubootChainload),
    so it hands over as that line does."""

    kind: Literal["McubootImageVersion"] = "McubootImageVersion"
    handoff = True
    tentative = True  # MCUboot's own lines may follow (see Event.tentative)
    version: str


class McubootHeaderSize(McubootEvent):
    """Espressif port: ``ih_hdr_size = 0x20`` / ``Image header size = 0x20``; the entry is at slot + this."""

    kind: Literal["McubootHeaderSize"] = "McubootHeaderSize"
    value: int


class McubootJump(McubootEvent):
    """``Jumping to the first image slot`` (or ``... the image slot``; Espressif ``start=0x40380000``)."""

    kind: Literal["McubootJump"] = "McubootJump"
    completion = True
    direct_xip: bool = False
    entry: int | None = None


class McubootEspEntry(McubootEvent):
    """Espressif port: ``Application start=40382a7ah``, the image's entry point, named before the port
    loads the image's RAM segments and jumps there. Not a completed boot by itself: only a line of the
    image after it shows that the hand-over reached code that runs."""

    kind: Literal["McubootEspEntry"] = "McubootEspEntry"
    entry: int


class McubootImageStartUp(McubootEvent):
    """A start-up line of the image the Espressif port started, in ESP-IDF's envelope (its flash
    driver's ``detected chip``, ``flash io``): the image has begun to start, which is no completed
    boot (it may hang right after). Read only after the port's hand-over."""

    kind: Literal["McubootImageStartUp"] = "McubootImageStartUp"


class McubootEspLoadFailed(McubootEvent):
    """Espressif port loader: ``Load header magic verification failed. Aborting`` and region checks."""

    kind: Literal["McubootEspLoadFailed"] = "McubootEspLoadFailed"
    problem: str
    failure = True


class McubootXipSlot(McubootEvent):
    """Direct-XIP / RAM-load: ``Primary   slot: version=1.0.0+0``, ``Image 0 Primary slot: image not found``."""

    kind: Literal["McubootXipSlot"] = "McubootXipSlot"
    slot: str
    image: int | None = None
    version: str | None = None  # None: image not found


class McubootXipLoaded(McubootEvent):
    kind: Literal["McubootXipLoaded"] = "McubootXipLoaded"
    image: int | None = None
    slot: str


class McubootNoSlotToLoad(McubootEvent):
    kind: Literal["McubootNoSlotToLoad"] = "McubootNoSlotToLoad"
    image: int
    failure = True


# ---------------------------------------------------------------- debug lines (MCUboot >= 2.3)
class McubootDebug(McubootEvent):
    """A debug line of image validation (``[DBG]``, TF-M >= 2.3 ``[VER]``, Zephyr ``D:``/``<dbg>``)."""

    kind: str = "McubootDebug"


class McubootValidateStart(McubootDebug):
    """``bootutil_img_validate: flash area 0x...``: one image validation begins."""

    kind: Literal["McubootValidateStart"] = "McubootValidateStart"


class McubootValidateSlot(McubootDebug):
    kind: Literal["McubootValidateSlot"] = "McubootValidateSlot"
    slot: int
    expected_swap_type: int


class McubootHeaderInvalid(McubootDebug):
    """``boot_validate_slot: header validation failed 0``: bad magic, or header plus image past the slot."""

    kind: Literal["McubootHeaderInvalid"] = "McubootHeaderInvalid"
    slot: int


class McubootTlvExpected(McubootDebug):
    """``bootutil_img_validate: EXPECTED_SIG_TLV == 34``: validation reached that TLV."""

    kind: Literal["McubootTlvExpected"] = "McubootTlvExpected"
    which: str  # hash | key | sig
    tlv: int


class McubootTlvIterBegin(McubootDebug):
    kind: Literal["McubootTlvIterBegin"] = "McubootTlvIterBegin"
    tlv: int
    protected: bool


class McubootTlvFound(McubootDebug):
    kind: Literal["McubootTlvFound"] = "McubootTlvFound"
    tlv: int
    offset: int
    size: int


class McubootTlvNotFound(McubootDebug):
    """``bootutil_tlv_iter_next: TLV 65535 not found``: an iteration ended (65535 = any TLV)."""

    kind: Literal["McubootTlvNotFound"] = "McubootTlvNotFound"
    tlv: int
    protected: bool = False


class McubootTlvProblem(McubootDebug):
    """The TLV area itself is unusable: iteration failed, beyond image size, not permitted, malformed."""

    kind: Literal["McubootTlvProblem"] = "McubootTlvProblem"
    problem: str


class McubootVerifySig(McubootDebug):
    """``bootutil_verify_sig: ECDSA builtin key 1``: a signature was checked against a known key."""

    kind: Literal["McubootVerifySig"] = "McubootVerifySig"
    key_kind: str
    key_id: int


class McubootFindKey(McubootDebug):
    kind: Literal["McubootFindKey"] = "McubootFindKey"
    image: int | None = None


class McubootDebugLine(McubootDebug):
    """Another validation debug line (TLV area bounds, TLV searches): context for the trace."""

    kind: Literal["McubootDebugLine"] = "McubootDebugLine"


# ---------------------------------------------------------------- west flash (bootdiag/platforms/mcuboot/west.py)
class WestEvent(Event):
    kind: str = "WestEvent"
    family = "west"


class WestFlashCommand(WestEvent):
    """``west flash [--bin-file|--hex-file|--elf-file X]``: a flash run starts."""

    kind: Literal["WestFlashCommand"] = "WestFlashCommand"
    boundary = ("tool", 0)
    requested: str | None = None  # the file the command names; None: the runner picks the build's default


class WestFlashingFile(WestEvent):
    """``-- runners.nrfjprog: Flashing file: build/zephyr/zephyr.hex``: the file the runner writes."""

    kind: Literal["WestFlashingFile"] = "WestFlashingFile"
    file: str
    runner: str | None = None
    requested: str | None = None  # from the command line before it, when the capture has one

    @staticmethod
    def _name(path: str) -> str:
        return path.replace("\\", "/").rsplit("/", 1)[-1]

    @property
    def name(self) -> str:
        return self._name(self.file)

    @property
    def signed(self) -> bool:
        """An image MCUboot can boot: imgtool/west sign outputs (``*.signed.*``) and merged builds."""
        name = self.name.lower()
        return "signed" in name or name.startswith(("merged", "dfu_application", "app_update", "app_signed"))

    @property
    def other_than_requested(self) -> bool:
        """The runner writes another file than the command named (it ignored --bin-file or --hex-file)."""
        return self.requested is not None and self._name(self.requested) != self.name


class WestFlashed(WestEvent):
    """``-- runners.nrfjprog: Board with serial number 683123456 flashed successfully.``"""

    kind: Literal["WestFlashed"] = "WestFlashed"
    completion = True


# ---------------------------------------------------------------- imgtool (bootdiag/platforms/mcuboot/imgtool_out.py)
class ImgtoolImageTooLarge(Event):
    """``Error: Image size (0x5000004c) + trailer (0x630) exceeds requested size 0x150000``: imgtool
    refused to sign an image that, with its trailer, does not fit the slot size it was given."""

    kind: Literal["ImgtoolImageTooLarge"] = "ImgtoolImageTooLarge"
    family = "imgtool_out"
    failure = True
    value_sets = {"message_id": message_ids}
    image_size: int  # what imgtool read: the span of a HEX file from its lowest address to its highest
    trailer_size: int
    slot_size: int

    @property
    def message_id(self) -> str:
        return "imgtool.image_too_large"


# ---------------------------------------------------------------- SMP host tools (bootdiag/platforms/mcuboot/smp_cli.py)
class SmpImageUploaded(Event):
    """``Done`` after ``mcumgr ... image upload <file>`` (or newtmgr's): the device took the whole image."""

    kind: Literal["SmpImageUploaded"] = "SmpImageUploaded"
    family = "smp_cli"
    completion = True
    command_line: int  # the line of the upload command this answers


class SmpUploadNoProgress(Event):
    """The progress bar of ``mcumgr ... image upload <file>`` (or newtmgr's) at 0 bytes and 0.00%: the
    device had acknowledged no chunk of the image when the paste was taken."""

    kind: Literal["SmpUploadNoProgress"] = "SmpUploadNoProgress"
    family = "smp_cli"
    failure = True
    command_line: int  # the line of the upload command the bar belongs to
    total: str  # the image size as the bar prints it ("74.59 KiB", "110780")


class SmpUploadRefused(Event):
    """``Error: <n>`` after ``mcumgr ... image upload <file>`` (or newtmgr's): the device answered the
    upload with a non-zero SMP status (apache/mynewt-newtmgr@00340e1e851e newtmgr/cli/image.go
    imageUploadCmd, ``if res.Status() != 0 { fmt.Printf("Error: %d\\n", res.Status()) }``; a transport
    failure is printed through nmUsage with its text instead, not a bare number). The device was
    reached: the upload failed on its side (MGMT_ERR_EINVAL 3, ENOMEM 2, ENOENT 5, EBADSTATE 6 ...)."""

    kind: Literal["SmpUploadRefused"] = "SmpUploadRefused"
    family = "smp_cli"
    failure = True
    command_line: int  # the line of the upload command the answer belongs to
    status: int  # the SMP status the device returned
