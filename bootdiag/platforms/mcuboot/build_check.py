"""`bootdiag check` for MCUboot builds (Zephyr, nRF Connect SDK sysbuild, TF-M): what the bootloader,
as it was built, will do with each signed image.

The images are checked by the verifier with the bootloader's own settings (its key, rollback
protection, measured boot, the header size the firmware is linked for); the layout is checked with
MCUboot's trailer arithmetic (imgtool image.py ``_trailer_size``, after bootutil ``boot_trailer_sz``).
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from bootdiag.core.build import BuildReading, CheckRequest
from bootdiag.core.errors import InputError
from bootdiag.platforms.mcuboot.build_folder import McubootBuild, SignedImage, read_build
from bootdiag.verify.model import ImageReport, UnusableInput, VerifyOptions

BOOT_MAGIC_SIZE = 16  # bootutil BOOT_MAGIC_SZ
DEFAULT_MAX_ALIGN = 8  # imgtool DEFAULT_MAX_ALIGN (BOOT_MAX_ALIGN)
STATUS_STATES = 3  # bootutil BOOT_STATUS_STATE_COUNT
DEFAULT_MAX_SECTORS = 128  # Kconfig BOOT_MAX_IMG_SECTORS default, imgtool DEFAULT_MAX_SECTORS
KEY_NEEDS = "the bootloader's key: the bootloader's build folder (sysbuild's mcuboot/), or --key <its public key>"


def check_build(request: CheckRequest) -> BuildReading | None:
    build = read_build(request.folder)
    if build is None:
        return None
    if request.port:
        raise InputError("--port reads an ESP's eFuses; an MCUboot device's state is not read (its running version: mcumgr image list)")
    if not build.images:
        raise InputError(f"{request.folder}: a {build.kind} build folder without a signed image (zephyr.signed.bin, bin/*_signed.bin)")
    reading = BuildReading("mcuboot", f"{build.kind} ({len(build.images)} signed image{'s' if len(build.images) != 1 else ''})")
    keys = _bootloader_keys(build, request)
    for image in build.images:
        report = _verify(build, image, keys)
        reading.verification.append(report)
        _image_checks(reading, build, image, report, keys)
        _layout_checks(reading, build, image, report)
    _image_count(reading, build)
    _downgrade(reading, build)
    if build.bootloader is None:
        reading.undecided("mcuboot.bootloader_config", build.images[0].name,
                          "the bootloader was built elsewhere: its key, rollback protection and measured boot settings are not in this folder",
                          "the bootloader's build folder (a sysbuild build has it as mcuboot/), or --key <the bootloader's public key>")
    return reading


# ----------------------------------------------------------------------------------------- reading
def _bootloader_keys(build: McubootBuild, request: CheckRequest) -> dict[int, list[str]]:
    """Per image number, the key files the bootloader verifies it with."""
    if request.options.keys:
        return {image.index: list(request.options.keys) for image in build.images}
    found: dict[int, list[str]] = {}
    if build.kind == "TF-M":
        # TF-M bl2 config: MCUBOOT_SIGNATURE_KEY_1 (secure or combined image), MCUBOOT_SIGNATURE_KEY_2 (non-secure)
        for image in build.images:
            path = build.setting(f"MCUBOOT_SIGNATURE_KEY_{image.index + 1}")
            if path:
                found[image.index] = [_existing(build, path)]
    elif build.bootloader is not None:
        # MCUboot boot/zephyr Kconfig: CONFIG_BOOT_SIGNATURE_KEY_FILE (one key for every image)
        path = build.setting("BOOT_SIGNATURE_KEY_FILE")
        if path:
            key = _existing(build, path)
            found = {image.index: [key] for image in build.images}
    return found


def _existing(build: McubootBuild, path: str) -> str:
    for candidate in (Path(path), build.folder / path, build.folder / "mcuboot" / path):
        if candidate.is_file():
            return str(candidate)
    raise InputError(f"{build.bootloader_source}: the bootloader's key {path} is not on this machine; give it with --key")


def _verify(build: McubootBuild, image: SignedImage, keys: dict[int, list[str]]) -> ImageReport:
    from bootdiag.platforms.mcuboot import image as mcuboot_image

    header = image.settings.get("ROM_START_OFFSET")
    options = VerifyOptions(
        keys=keys.get(image.index, []),
        security_counter=_rollback_protection(build),
        measured_boot=_measured_boot(build),
        header_size=int(header, 0) if header else None,
        # MCUboot Kconfig MEASURED_BOOT_MAX_CBOR_SIZE (unset: the port's default, as the verifier knows it)
        max_record_size=build.number("MEASURED_BOOT_MAX_CBOR_SIZE"),
        mcuboot_port="tfm" if build.kind == "TF-M" else "zephyr",
    )
    try:
        data = image.path.read_bytes()
        return mcuboot_image.verify(data, image.name, options)
    except OSError as exc:
        raise InputError(f"{image.path}: cannot read ({exc.strerror or exc})") from None
    except UnusableInput as exc:
        raise InputError(str(exc)) from None


def _rollback_protection(build: McubootBuild) -> bool:
    # MCUboot Kconfig MCUBOOT_HW_DOWNGRADE_PREVENTION; TF-M MCUBOOT_HW_ROLLBACK_PROT
    return build.enabled("MCUBOOT_HW_DOWNGRADE_PREVENTION", "MCUBOOT_HW_ROLLBACK_PROT")


def _measured_boot(build: McubootBuild) -> bool:
    # MCUboot Kconfig MEASURED_BOOT; TF-M MCUBOOT_MEASURED_BOOT
    return build.enabled("MEASURED_BOOT", "MCUBOOT_MEASURED_BOOT")


# ----------------------------------------------------------------------------------------- the image
def _has(report: ImageReport, *short: str) -> list[str]:
    return [p.message for p in report.problems if p.id in {f"mcuboot.{s}" for s in short}]


def _image_checks(reading: BuildReading, build: McubootBuild, image: SignedImage, report: ImageReport, keys: dict[int, list[str]]) -> None:
    name = image.name
    bad_format = _has(report, "bad_magic")
    if bad_format:
        reading.failed("mcuboot.format", name, bad_format[0])
        return
    broken = _has(report, "hash_mismatch", "truncated", "missing_hash", "bad_tlv_info")
    if broken:
        reading.failed("mcuboot.intact", name, broken[0])
    else:
        reading.passed("mcuboot.intact", name, "header, payload and TLVs match the image hash")
    unsigned = _has(report, "no_signature")
    if unsigned:
        reading.failed("mcuboot.signed", name, unsigned[0])
    elif image.index not in keys:
        reading.undecided("mcuboot.key", name, f"signed ({', '.join(s['type'] for s in report.info.get('signatures', []))}); the key the bootloader trusts is not known", KEY_NEEDS)
    else:
        wrong = _has(report, "wrong_key", "signature_invalid")
        key = Path(keys[image.index][0]).name
        if wrong:
            reading.failed("mcuboot.key", name, f"{wrong[0]} (the bootloader is built with {key})")
        else:
            reading.passed("mcuboot.key", name, f"signed with {key}, the key the bootloader is built with")
    header = _has(report, "header_size")
    if header:
        reading.failed("mcuboot.header_size", name, header[0] + " (CONFIG_ROM_START_OFFSET of the image's build)")
    elif "ROM_START_OFFSET" in image.settings:
        reading.passed("mcuboot.header_size", name, f"header of 0x{report.info['header']['hdr_size']:x} bytes, where the firmware is linked to start")
    if _rollback_protection(build):
        missing = _has(report, "missing_security_counter")
        if missing:
            reading.failed("mcuboot.security_counter", name, missing[0])
        else:
            reading.passed("mcuboot.security_counter", name, f"carries security counter {report.info.get('security_counter')}, which rollback protection requires")
    if _measured_boot(build):
        missing = _has(report, "missing_boot_record")
        too_large = _has(report, "boot_record_too_large")
        if missing:
            reading.failed("mcuboot.boot_record", name, missing[0])
        elif too_large:
            reading.failed("mcuboot.boot_record_size", name, too_large[0])
        else:
            reading.passed("mcuboot.boot_record", name, "carries the BOOT_RECORD measured boot stores")
    _encryption(reading, build, image, report)


def _encryption(reading: BuildReading, build: McubootBuild, image: SignedImage, report: ImageReport) -> None:
    if build.bootloader is None:
        return
    encrypted = any(f.startswith("ENCRYPTED") for f in report.info.get("header", {}).get("flag_names", []))
    tlvs = {str(t.get("name")) for t in report.info.get("tlvs", []) if isinstance(t, dict)}
    # MCUboot Kconfig BOOT_ENCRYPT_RSA / _EC256 / _X25519 and their TLVs ENC_RSA2048 / ENC_EC256 / ENC_X25519
    kinds = {"RSA": "ENC_RSA2048", "EC256": "ENC_EC256", "X25519": "ENC_X25519"}
    built_for = [k for k in kinds if build.enabled(f"BOOT_ENCRYPT_{k}")]
    if not encrypted:
        return
    wrapped = sorted(t for t in tlvs if t.startswith("ENC_"))
    if not built_for:
        reading.failed("mcuboot.encryption", image.name, f"the image is encrypted ({', '.join(wrapped) or 'no key TLV'}), but the bootloader is built without image encryption: it will check the hash over ciphertext")
    elif not any(kinds[k] in tlvs for k in built_for):
        reading.failed("mcuboot.encryption", image.name, f"the image's key is wrapped as {', '.join(wrapped) or 'nothing'}, but the bootloader unwraps {', '.join(kinds[k] for k in built_for)}")
    else:
        reading.passed("mcuboot.encryption", image.name, f"encrypted with a key wrapped as {', '.join(wrapped)}, which the bootloader unwraps")


# ----------------------------------------------------------------------------------------- layout
def trailer_size(write_size: int, max_sectors: int, overwrite_only: bool) -> int:
    """Bytes MCUboot keeps at the end of a slot (imgtool image.py _trailer_size, without encryption keys)."""
    max_align = max(DEFAULT_MAX_ALIGN, write_size)
    magic = -(-BOOT_MAGIC_SIZE // max_align) * max_align
    if overwrite_only:
        return max_align * 2 + magic
    return max_sectors * STATUS_STATES * write_size + max_align * 4 + magic


def image_end(data: bytes, header: dict[str, Any]) -> int:
    """Where the image ends in its slot: header, payload, protected TLVs and the TLV area (bootutil
    boot_read_image_size); a file padded to the slot (imgtool --pad) goes on to the trailer."""
    from bootdiag.platforms.mcuboot.image import IMAGE_TLV_INFO_MAGIC

    at = header["hdr_size"] + header["img_size"] + header["protect_tlv_size"]
    endian = "<" if header.get("endian", "little") == "little" else ">"
    if len(data) >= at + 4:
        magic, total = struct.unpack_from(endian + "HH", data, at)
        if magic == IMAGE_TLV_INFO_MAGIC:
            return at + total
    return len(data)


def _layout_checks(reading: BuildReading, build: McubootBuild, image: SignedImage, report: ImageReport) -> None:
    header = report.info.get("header")
    if not header or build.kind == "TF-M":
        return
    slot = build.slots.get(image.index)
    if slot is None:
        reading.undecided("mcuboot.fits_slot", image.name, "the slot size is not in the folder", "zephyr.dts with the image-N partitions (the build writes it)")
        return
    size = image_end(image.path.read_bytes(), header)
    single = build.enabled("SINGLE_APPLICATION_SLOT")
    overwrite = build.enabled("BOOT_UPGRADE_ONLY")
    write = build.write_size or 1
    sectors = build.number("BOOT_MAX_IMG_SECTORS") or DEFAULT_MAX_SECTORS
    trailer = 0 if single else trailer_size(write, sectors, overwrite)
    mode = "single slot" if single else "overwrite-only" if overwrite else "swap"
    if size + trailer > slot:
        # bootutil loader.c: the image must end before the trailer ("Image ... too large for slot")
        reading.failed("mcuboot.fits_slot", image.name,
                       f"the image is 0x{size:x} bytes and the {mode} trailer 0x{trailer:x} (write size {write}, {sectors} sectors), "
                       f"0x{size + trailer:x} in all, but slot 0 of image {image.index} holds 0x{slot:x}")
    else:
        reading.passed("mcuboot.fits_slot", image.name, f"0x{size:x} bytes and the {mode} trailer 0x{trailer:x} fit the 0x{slot:x}-byte slot")
    if single or overwrite or not build.erase_size:
        return
    count = -(-slot // build.erase_size)
    if count > sectors:
        # bootutil swap_misc/loader.c boot_read_sectors: "Failed reading sectors; BOOT_MAX_IMG_SECTORS=%d - too small?"
        reading.failed("mcuboot.sectors", image.name,
                       f"the 0x{slot:x}-byte slot has {count} sectors of 0x{build.erase_size:x}, more than CONFIG_BOOT_MAX_IMG_SECTORS={sectors} the bootloader can swap")
    else:
        reading.passed("mcuboot.sectors", image.name, f"{count} sectors of 0x{build.erase_size:x}, within CONFIG_BOOT_MAX_IMG_SECTORS={sectors}")


def _image_count(reading: BuildReading, build: McubootBuild) -> None:
    # MCUboot Kconfig UPDATEABLE_IMAGE_NUMBER; TF-M MCUBOOT_IMAGE_NUMBER
    wanted = build.number("UPDATEABLE_IMAGE_NUMBER") or build.number("MCUBOOT_IMAGE_NUMBER")
    if wanted is None or build.bootloader is None:
        return
    have = len(build.images)
    subject = build.bootloader_source or "bootloader"
    if have < wanted:
        reading.failed("mcuboot.image_count", subject,
                       f"the bootloader boots {wanted} images, but the build signed {have}: the slot of image {have} stays empty and MCUboot stops there")
    else:
        reading.passed("mcuboot.image_count", subject, f"the bootloader boots {wanted} image{'s' if wanted != 1 else ''}, the build signed {have}")


def _downgrade(reading: BuildReading, build: McubootBuild) -> None:
    # MCUboot Kconfig MCUBOOT_DOWNGRADE_PREVENTION (software, by version); TF-M MCUBOOT_DOWNGRADE_PREVENTION
    if build.enabled("MCUBOOT_DOWNGRADE_PREVENTION"):
        versions = ", ".join(f"{i.name}" for i in build.images)
        reading.undecided("mcuboot.downgrade", versions,
                          "downgrade prevention refuses an update older than the running image",
                          "the version running on the device (mcumgr image list, or its boot log), compared with this build's")
