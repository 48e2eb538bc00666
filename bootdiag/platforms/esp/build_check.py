"""`bootdiag check` for an ESP-IDF build folder: what the ROM and the bootloader will do with it.

Each check compares what the build holds with what the chip's ROM, the 2nd-stage bootloader and
esptool do (sources cited per check); the device's side comes from an `espefuse summary` (--efuse)
or the device itself (--port, read-only). A fact neither gives is reported as undecided, with what
would decide it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bootdiag.core.build import BuildReading, CheckRequest
from bootdiag.core.errors import InputError
from bootdiag.platforms.esp import secure_boot
from bootdiag.platforms.esp.build_folder import EspBuild, FlashFile, is_build, read_build
from bootdiag.platforms.esp.esptool_version import esptool_on_path, rewrites
from bootdiag.platforms.esp.image import FLASH_SIZES, flash_params
from bootdiag.platforms.esp.partitions import Partition, PartitionTableError, first_boot_app, parse_partition_table
from bootdiag.verify.model import ImageReport, UnusableInput, VerifyOptions

SIGNATURE_SECTOR = secure_boot.SECTOR_SIZE
DEVICE_NEEDS = "--efuse <espefuse summary output> or --port <serial port> (the device's eFuses)"


@dataclass
class Device:
    """What the device's eFuses say, as far as a check needs it."""

    source: str
    secure_boot: secure_boot.EfuseSecureBoot
    flash_encrypted: bool | None
    revision: int | None  # major * 100 + minor, as image headers write it

    @property
    def secure_boot_on(self) -> bool:
        return self.secure_boot.sbv1_enabled or self.secure_boot.sbv2_enabled


@dataclass
class Image:
    file: FlashFile
    data: bytes
    report: ImageReport

    @property
    def info(self) -> dict[str, Any]:
        return self.report.info

    @property
    def length(self) -> int | None:
        return self.info.get("image_length")

    def blocks(self, chip_id: int | None) -> list[dict[str, Any]]:
        signature = self.info.get("signature") or {}
        blocks = [b for b in signature.get("blocks", []) if "key_digest" in b]
        # The ESP32 ROM and bootloader use signature block 0 only (IDF SECURE_BOOT_NUM_BLOCKS 1)
        return [b for b in blocks if b["index"] == 0] if chip_id == secure_boot.ESP32_CHIP_ID else blocks

    @property
    def scheme(self) -> str:
        return (self.info.get("signature") or {}).get("scheme", "none")


def check_build(request: CheckRequest) -> BuildReading | None:
    if not is_build(request.folder):
        return None
    build = read_build(request.folder)
    chip = build.chip
    reading = BuildReading("esp", f"ESP-IDF build for {chip.name if chip else 'an unknown target'}")
    if build.settings_source is None:
        raise InputError(f"{request.folder}: no config/sdkconfig.json or sdkconfig beside flasher_args.json: the build's configuration is needed")
    efuse_path = request.options.of("esp").efuse_summary
    if request.port and not efuse_path:
        from bootdiag.platforms.esp.device_port import efuse_summary_from_port

        efuse_path = str(efuse_summary_from_port(request.port, chip.name if chip else None))
    device = _device(efuse_path) if efuse_path else None
    reading.facts.update(_facts(build, device))
    images = _images(build, request.options, efuse_path)
    reading.verification = [image.report for image in images.values()]
    partitions = _partition_table(reading, build)
    _layout(reading, build, images, partitions)
    _chip_checks(reading, build, images, device)
    _secure_boot_checks(reading, build, images, device, request.options)
    _header_check(reading, build, images, device)
    _flash_encryption_check(reading, build, device)
    return reading


# ----------------------------------------------------------------------------------------- reading
def _device(path: str) -> Device:
    try:
        fields = secure_boot.read_efuse_fields(path)
    except UnusableInput as exc:
        raise InputError(str(exc)) from None
    return Device(Path(path).name, secure_boot.efuse_secure_boot(fields), _flash_encrypted(fields), _revision(fields))


def _flash_encrypted(fields: dict[str, str]) -> bool | None:
    # espefuse: FLASH_CRYPT_CNT (ESP32) counts bits, enabled when odd; SPI_BOOT_CRYPT_CNT (later
    # chips) shows Enable/Disable (1 or 3 bits set enables it).
    for name in ("SPI_BOOT_CRYPT_CNT", "FLASH_CRYPT_CNT"):
        value = fields.get(name)
        if value is None:
            continue
        text = value.strip().lower()
        if text in ("enable", "disable"):
            return text == "enable"
        try:
            return bin(int(text, 0)).count("1") % 2 == 1
        except ValueError:
            return None
    return None


def _revision(fields: dict[str, str]) -> int | None:
    # espefuse calculated fields WAFER_VERSION_MAJOR / WAFER_VERSION_MINOR; headers use major * 100 + minor
    try:
        return int(fields["WAFER_VERSION_MAJOR"], 0) * 100 + int(fields["WAFER_VERSION_MINOR"], 0)
    except (KeyError, ValueError):
        return None


def _facts(build: EspBuild, device: Device | None) -> dict[str, str]:
    facts = {"chip": build.chip.name} if build.chip else {}
    for key in ("flash_mode", "flash_size", "flash_freq"):
        if key in build.flash_args:
            facts[key.replace("flash_freq", "flash_speed")] = build.flash_args[key]
    if device is not None:
        facts["efuse_summary"] = device.source
    return facts


def _images(build: EspBuild, options: VerifyOptions, efuse_path: str | None) -> dict[str, Image]:
    from bootdiag.platforms.esp import image as esp_image

    own = options.of("esp").model_dump()
    own["efuse_summary"] = efuse_path
    keys = list(options.keys)
    v1_key = v1_verification_key(build)
    if v1_key is not None and not keys:
        keys.append(str(v1_key))
    verify_options = VerifyOptions(keys=keys, chip=build.chip.name if build.chip else None, **own)
    images: dict[str, Image] = {}
    for file in build.files:
        if file.role not in ("bootloader", "app"):
            continue
        try:
            data = file.path.read_bytes()
        except OSError as exc:
            raise InputError(f"{file.path}: cannot read ({exc.strerror or exc}); flasher_args.json names it") from None
        try:
            report = esp_image.verify(data, file.name, verify_options)
        except UnusableInput as exc:
            raise InputError(str(exc)) from None
        images[file.role] = Image(file, data, report)
    return images


def v1_verification_key(build: EspBuild) -> Path | None:
    """The public key a Secure Boot V1 bootloader is built with: IDF writes it, as the raw 64-byte
    point of espsecure extract-public-key, to bootloader/signature_verification_key.bin."""
    if secure_boot_config(build).version != 1:
        return None
    path = build.folder / "bootloader" / "signature_verification_key.bin"
    return path if path.is_file() else None


def _partition_table(reading: BuildReading, build: EspBuild) -> list[Partition] | None:
    table = build.file("partition-table")
    if table is None:
        reading.undecided("esp.partitions_fit_flash", "flasher_args.json", "names no partition table, so the layout cannot be checked",
                          "the partition table binary flasher_args.json names (idf.py build writes partition_table/partition-table.bin)")
        return None
    try:
        return parse_partition_table(table.path.read_bytes())
    except OSError as exc:
        raise InputError(f"{table.path}: cannot read ({exc.strerror or exc})") from None
    except PartitionTableError as exc:
        reading.failed("esp.partition_table", table.name, f"not a partition table the bootloader can read: {exc}")
        return None


# ----------------------------------------------------------------------------------------- layout
def _flash_size(build: EspBuild) -> tuple[int | None, str]:
    """The flash size the build is for: esptool's --flash_size, else CONFIG_ESPTOOLPY_FLASHSIZE."""
    for value, source in ((build.flash_args.get("flash_size"), "--flash_size in flasher_args.json"),
                          (build.setting("ESPTOOLPY_FLASHSIZE"), "CONFIG_ESPTOOLPY_FLASHSIZE")):
        if value and value.upper() in FLASH_SIZES.values():
            return int(value.upper().removesuffix("MB")) << 20, f"{value.upper()} ({source})"
    return None, ""


def _layout(reading: BuildReading, build: EspBuild, images: dict[str, Image], partitions: list[Partition] | None) -> None:
    table = build.file("partition-table")
    if partitions is not None and table is not None:
        _partitions_fit(reading, build, table, partitions)
    loader = images.get("bootloader")
    if loader is not None and build.chip is not None:
        _bootloader_offset(reading, build, loader)
    if loader is not None:
        table_offset = table.offset if table else build.number("PARTITION_TABLE_OFFSET")
        if table_offset is not None:
            _bootloader_fits(reading, loader, table_offset)
    app = images.get("app")
    if app is not None and partitions is not None:
        _app_placement(reading, app, partitions)


def _partitions_fit(reading: BuildReading, build: EspBuild, table: FlashFile, partitions: list[Partition]) -> None:
    size, source = _flash_size(build)
    if size is None:
        reading.undecided("esp.partitions_fit_flash", table.name, "the build names no flash size (detect or keep)",
                          "the flash size: CONFIG_ESPTOOLPY_FLASHSIZE, or esptool flash-id on the board")
        return
    beyond = [p for p in partitions if p.end > size]
    if beyond:
        p = beyond[0]
        # IDF bootloader_utility.c / esp_partition: "partition %d invalid - offset 0x%x size 0x%x exceeds flash chip size 0x%x"
        reading.failed("esp.partitions_fit_flash", table.name,
                       f"partition {p.index} {p.describe()} ends at 0x{p.end:x}, beyond the {source} flash of 0x{size:x} bytes")
    else:
        reading.passed("esp.partitions_fit_flash", table.name, f"{len(partitions)} partitions end by 0x{max(p.end for p in partitions):x}, within the {source} flash")


def _bootloader_offset(reading: BuildReading, build: EspBuild, loader: Image) -> None:
    chip = build.chip
    assert chip is not None
    # esptool targets BOOTLOADER_FLASH_OFFSET: where the ROM loads the 2nd-stage bootloader from
    if loader.file.offset != chip.bootloader_offset:
        reading.failed("esp.bootloader_offset", loader.file.name,
                       f"flashed at 0x{loader.file.offset:x}, but the {chip.name} ROM loads the bootloader from 0x{chip.bootloader_offset:x}")
    else:
        reading.passed("esp.bootloader_offset", loader.file.name, f"flashed at 0x{chip.bootloader_offset:x}, where the {chip.name} ROM loads it")


def _bootloader_fits(reading: BuildReading, loader: Image, table_offset: int) -> None:
    room = table_offset - loader.file.offset
    name = loader.file.name
    if loader.length is not None and loader.length > room:
        # esptool writes in address order: the partition table then overwrites the bootloader's tail
        reading.failed("esp.bootloader_fits", name,
                       f"the image is 0x{loader.length:x} bytes from 0x{loader.file.offset:x}, but the partition table starts at "
                       f"0x{table_offset:x} (room for 0x{room:x}): writing the table overwrites the bootloader's last segment and checksum")
    elif len(loader.data) > room:
        reading.failed("esp.bootloader_signature_fits", name,
                       f"the signed file is 0x{len(loader.data):x} bytes from 0x{loader.file.offset:x}, but the partition table starts at "
                       f"0x{table_offset:x}: writing the table overwrites the signature sector at 0x{loader.file.offset + len(loader.data) - SIGNATURE_SECTOR:x}")
    else:
        reading.passed("esp.bootloader_fits", name, f"0x{len(loader.data):x} bytes from 0x{loader.file.offset:x} end before the partition table at 0x{table_offset:x}")


def _app_placement(reading: BuildReading, app: Image, partitions: list[Partition]) -> None:
    name, offset, size = app.file.name, app.file.offset, len(app.data)
    home = next((p for p in partitions if p.is_app and p.offset == offset), None)
    boots = first_boot_app(partitions)
    if boots is None:
        reading.failed("esp.app_offset", name, "the partition table has no app partition (factory or ota_N) for the bootloader to boot")
        return
    if home is None or home.offset != boots.offset:
        where = f"partition {home.describe()}" if home else "no app partition"
        # IDF bootloader_utility.c: with otadata blank the bootloader boots factory, else ota_0
        reading.failed("esp.app_offset", name,
                       f"flashed at 0x{offset:x} ({where}), but on a first boot the bootloader starts the app in partition {boots.describe()}, where nothing is written")
    else:
        reading.passed("esp.app_offset", name, f"flashed at 0x{offset:x}, the partition {home.label!r} the bootloader boots first")
    target = home or boots
    small = [p for p in partitions if p.is_app and p.size < size and (p is target or p.is_ota_slot)]
    if small:
        p = small[0]
        when = "the bootloader will refuse it there" if p is target else "an OTA update to it will be refused"
        reading.failed("esp.app_fits_partition", name,
                       f"the image is 0x{size:x} bytes ({size} with the signature sector if signed) but partition {p.describe()} holds 0x{p.size:x}: {when}")
    else:
        reading.passed("esp.app_fits_partition", name, f"0x{size:x} bytes fit partition {target.describe()} and every OTA slot")


# ----------------------------------------------------------------------------------------- chip
def _chip_checks(reading: BuildReading, build: EspBuild, images: dict[str, Image], device: Device | None) -> None:
    for image in images.values():
        name, info = image.file.name, image.info
        built_for = info.get("chip", "unknown")
        if build.chip is not None:
            if built_for != build.chip.name:
                # IDF bootloader_common_loader.c: "mismatch chip ID, expected %d, found %d"
                reading.failed("esp.chip", name, f"the image header is for {built_for}, but the build's target is {build.chip.name}")
            else:
                reading.passed("esp.chip", name, f"built for {built_for}, the build's target")
        _revision_check(reading, image, device)


def _revision_check(reading: BuildReading, image: Image, device: Device | None) -> None:
    name, info = image.file.name, image.info
    low, high = info.get("min_rev_full", 0), info.get("max_rev_full", 9999)
    span = f"{info.get('min_rev', 'v0.0')} to {info.get('max_rev', 'any')}"
    if device is None or device.revision is None:
        if low:
            reading.undecided("esp.chip_revision", name, f"runs on chip revisions {span}", DEVICE_NEEDS.replace("eFuses", "chip revision"))
        else:
            reading.passed("esp.chip_revision", name, f"runs on every revision up to {info.get('max_rev', 'any')}")
        return
    rev = f"v{device.revision // 100}.{device.revision % 100}"
    if not low <= device.revision <= high:
        # IDF bootloader_common_loader.c: "Image requires chip rev >= v%d.%d, but chip is v%d.%d"
        reading.failed("esp.chip_revision", name, f"runs on chip revisions {span}, but the device ({device.source}) is {rev}")
    else:
        reading.passed("esp.chip_revision", name, f"runs on revisions {span}, the device is {rev}")


# ----------------------------------------------------------------------------------------- secure boot
@dataclass(frozen=True)
class SecureBootConfig:
    version: int  # 0 none, 1, 2
    scheme: str | None  # V2 block scheme the bootloader checks: "RSA-3072", "ECDSA-P256", ...
    full: bool  # secure boot proper (the ROM checks the bootloader), not only signed apps


def secure_boot_config(build: EspBuild) -> SecureBootConfig:
    # IDF components/bootloader/Kconfig.projbuild: SECURE_BOOT_V1/V2_ENABLED, SECURE_SIGNED_APPS_*_SCHEME
    full = build.enabled("SECURE_BOOT")
    if build.enabled("SECURE_BOOT_V1_ENABLED") or build.enabled("SECURE_SIGNED_APPS_ECDSA_SCHEME"):
        return SecureBootConfig(1, None, full)
    v2 = build.enabled("SECURE_BOOT_V2_ENABLED") or build.enabled("SECURE_SIGNED_APPS_RSA_SCHEME") or build.enabled("SECURE_SIGNED_APPS_ECDSA_V2_SCHEME")
    if not v2:
        return SecureBootConfig(0, None, False)
    if build.enabled("SECURE_SIGNED_APPS_RSA_SCHEME") or build.enabled("SECURE_BOOT_V2_RSA_ENABLED"):
        return SecureBootConfig(2, "RSA-3072", full)
    bits = next((b for b in ("192", "384") if build.enabled(f"SECURE_BOOT_ECDSA_KEY_LEN_{b}_BITS")), "256")
    return SecureBootConfig(2, f"ECDSA-P{bits}", full)


def _secure_boot_checks(reading: BuildReading, build: EspBuild, images: dict[str, Image], device: Device | None, options: VerifyOptions) -> None:
    config = secure_boot_config(build)
    device_on = device is not None and device.secure_boot_on
    if config.version == 0 and not device_on:
        reading.passed("esp.signed", build.settings_source and Path(build.settings_source).name or "sdkconfig",
                       "secure boot and signed apps are off in the build" + (f" and on the device ({device.source})" if device else ""))
        return
    chip_id = build.chip.chip_id if build.chip else None
    for role, image in images.items():
        # Secure Boot V1 signs the app only; the ROM checks the bootloader with a digest it makes itself
        if role == "bootloader" and (config.version == 1 or (config.version == 2 and not config.full and not device_on)):
            continue
        _signed(reading, config, image, chip_id)
        _signature_problems(reading, image)
    if config.version == 1 and "app" in images:
        _v1_key(reading, build, images["app"])
    elif config.full or device_on:
        _keys(reading, config, images, device, chip_id, _given_keys(list(options.keys)))


def _signed(reading: BuildReading, config: SecureBootConfig, image: Image, chip_id: int | None) -> None:
    name = image.file.name
    if config.version == 1:
        if image.scheme != "sbv1":
            reading.failed("esp.signed", name, "Secure Boot V1 is on, but the app carries no V1 signature after the image")
        else:
            reading.passed("esp.signed", name, "carries a Secure Boot V1 signature")
        return
    schemes = sorted({b["scheme"] for b in image.blocks(chip_id)})
    if not schemes:
        reading.failed("esp.signed", name, f"Secure Boot V2 ({config.scheme or 'RSA or ECDSA'}) is on, but the image carries no signature block")
    elif config.scheme and config.scheme not in schemes:
        # IDF secure_boot_signatures_bootloader.c checks blocks of the configured scheme only
        reading.failed("esp.signed", name, f"the build checks {config.scheme} signatures, but the image is signed {', '.join(schemes)}")
    else:
        reading.passed("esp.signed", name, f"signed {', '.join(schemes)}")


def _signature_problems(reading: BuildReading, image: Image) -> None:
    name = image.file.name
    digest = [p for p in image.report.problems if p.id == "esp.sbv2.digest_mismatch"]
    invalid = [p for p in image.report.problems if p.id == "esp.sbv2.signature_invalid"]
    if image.scheme == "none":
        return
    if digest:
        reading.failed("esp.image_digest", name, digest[0].message)
    elif image.scheme == "sbv2":
        reading.passed("esp.image_digest", name, "every signature block signs the image as it is")
    if invalid:
        reading.failed("esp.signature", name, invalid[0].message)
    elif image.scheme == "sbv2":
        reading.passed("esp.signature", name, "every signature verifies with the key in its block")


def _given_keys(paths: list[str]) -> list[secure_boot.TrustedDigest]:
    """--key: public keys the caller says the device trusts, as the digests burned for them."""
    try:
        usable, others = secure_boot.secure_boot_keys(paths)
    except UnusableInput as exc:
        raise InputError(str(exc)) from None
    if others and not usable:
        raise InputError(f"--key {', '.join(others)}: not a Secure Boot V2 key (RSA-3072, ECDSA P-192, P-256 or P-384)")
    return [secure_boot.TrustedDigest(secure_boot.sbv2_key_digest(k), f"--key {Path(k.path).name}") for k in usable]


def _keys(reading: BuildReading, config: SecureBootConfig, images: dict[str, Image], device: Device | None, chip_id: int | None,
          given: list[secure_boot.TrustedDigest]) -> None:
    loader, app = images.get("bootloader"), images.get("app")
    burned = [*(device.secure_boot.digests if device else []), *given]
    if device is None and not given:
        for image in images.values():
            if image.blocks(chip_id):
                reading.undecided("esp.key_trusted", image.file.name,
                                  f"signed with key {_digests(image, chip_id)}; which keys the device trusts is not in the build", DEVICE_NEEDS)
    elif burned:
        for image in images.values():
            _trusted(reading, image, burned, device.source if device else "--key", chip_id)
    elif device is not None and config.full:
        reading.passed("esp.key_trusted", device.source, "no key digest is burned yet: the bootloader burns the digests of its own keys on its first boot")
    # On the first enable the bootloader burns its own keys and requires the app to be signed by one
    # of them (IDF secure_boot_v2/secure_boot.c check_and_generate_secure_boot_keys).
    if config.full and not burned and loader is not None and app is not None and loader.blocks(chip_id) and app.blocks(chip_id):
        shared = {b["key_digest"] for b in loader.blocks(chip_id)} & {b["key_digest"] for b in app.blocks(chip_id)}
        if shared:
            reading.passed("esp.app_key_in_bootloader", app.file.name, f"signed with key {next(iter(shared))[:16]}…, which the bootloader carries too")
        else:
            reading.failed("esp.app_key_in_bootloader", app.file.name,
                           f"signed with key {_digests(app, chip_id)}, but the bootloader is signed with {_digests(loader, chip_id)}: no app key digest matches the bootloader's")


def _v1_key(reading: BuildReading, build: EspBuild, app: Image) -> None:
    """Secure Boot V1: the bootloader verifies the app with the public key compiled into it."""
    if app.scheme != "sbv1":
        return
    key = v1_verification_key(build)
    name = app.file.name
    if key is None:
        reading.undecided("esp.key_trusted", name, "signed for Secure Boot V1; the key the bootloader is built with is not in the build",
                          "bootloader/signature_verification_key.bin (the build writes it), or --key <the signing key's public half>")
        return
    invalid = [p for p in app.report.problems if p.id == "esp.sbv1.signature_invalid"]
    if invalid:
        # IDF secure_boot_v1 logs "Verification result 0" for a signature its key does not verify
        reading.failed("esp.key_trusted", name, f"its Secure Boot V1 signature does not verify with {key.name}, the key the bootloader is built with")
    else:
        reading.passed("esp.key_trusted", name, f"its V1 signature verifies with {key.name}, the key the bootloader is built with")


def _trusted(reading: BuildReading, image: Image, burned: list[secure_boot.TrustedDigest], source: str, chip_id: int | None) -> None:
    name = image.file.name
    blocks = image.blocks(chip_id)
    if not blocks:
        return
    good = [d for d in burned if not d.revoked and any(d.matches(bytes.fromhex(b["key_digest"])) for b in blocks)]
    usable = ", ".join(f"{d.source} {d.digest.hex()[:16]}…" for d in burned if not d.revoked) or "none (all revoked)"
    if good:
        reading.passed("esp.key_trusted", name, f"signed with a key the device trusts ({good[0].source})")
    else:
        reading.failed("esp.key_trusted", name, f"signed with key {_digests(image, chip_id)}, but the device ({source}) trusts {usable}")


def _digests(image: Image, chip_id: int | None) -> str:
    return ", ".join(b["key_digest"][:16] + "…" for b in image.blocks(chip_id)) or "none"


# ----------------------------------------------------------------------------------------- header rewrite
def _header_check(reading: BuildReading, build: EspBuild, images: dict[str, Image], device: Device | None) -> None:
    loader = images.get("bootloader")
    if loader is None or loader.scheme != "sbv2" or build.chip is None:
        return
    name = loader.file.name
    wanted = {k: v for k, v in build.flash_args.items() if v != "keep"}
    header = flash_params(loader.data[2], loader.data[3], build.chip)
    differs = {k: (header[k], v) for k, v in wanted.items() if header.get(k, "").lower() != v.lower()}
    if not differs:
        reading.passed("esp.header_kept", name, f"flasher_args.json passes the header's own flash settings ({'/'.join(header[k] for k in ('flash_mode', 'flash_size', 'flash_freq'))}): esptool changes nothing")
        return
    change = ", ".join(f"{k} {old} -> {new}" for k, (old, new) in differs.items())
    if all(new.lower() == "detect" for _old, new in differs.values()):
        # esptool --flash_size detect writes the size it reads from the flash chip
        reading.undecided("esp.header_kept", name, f"flasher_args.json passes {change}: the header changes only if the board's flash is not {header['flash_size']}",
                          "the board's flash size (esptool flash-id), or --flash_size keep")
        return
    esptool = esptool_on_path()
    if esptool is None:
        reading.undecided("esp.header_kept", name, f"idf.py flash passes {change} for the signed header",
                          "esptool on the PATH (its version decides whether it rewrites the header), or flash with --flash_mode keep --flash_freq keep --flash_size keep")
        return
    sha = bool(loader.info.get("hash_appended"))
    verdict = rewrites(esptool.version, sha, device.secure_boot_on if device else None)
    if verdict is None:
        reading.undecided("esp.header_kept", name,
                          f"esptool {esptool.text} rewrites the header ({change}) unless the chip already has secure boot enabled", DEVICE_NEEDS)
    elif verdict:
        reading.failed("esp.header_kept", name,
                       f"esptool {esptool.text} ({esptool.path}) will write {change} into the signed bootloader's header at 0x{loader.file.offset:x}, after signing: its digest no longer matches the signature")
    else:
        why = "the chip already has secure boot enabled" if device and device.secure_boot_on else "the image carries an appended SHA-256"
        reading.passed("esp.header_kept", name, f"esptool {esptool.text} leaves the header alone ({why}) although flasher_args.json passes {change}")


# ----------------------------------------------------------------------------------------- flash encryption
def _flash_encryption_check(reading: BuildReading, build: EspBuild, device: Device | None) -> None:
    subject = Path(build.settings_source or "sdkconfig").name
    enabled = build.enabled("SECURE_FLASH_ENC_ENABLED")
    release = build.enabled("SECURE_FLASH_ENCRYPTION_MODE_RELEASE")
    if device is None or device.flash_encrypted is None:
        if enabled:
            reading.undecided("esp.flash_encryption", subject,
                              "flash encryption is on in the build: a new device encrypts the plaintext images on first boot, one that has it on already needs them written encrypted",
                              DEVICE_NEEDS)
        else:
            reading.passed("esp.flash_encryption", subject, "flash encryption is off in the build; the images are written in plaintext")
        return
    if not device.flash_encrypted:
        state = "encrypts the images on its first boot" if enabled else "reads them as written"
        reading.passed("esp.flash_encryption", device.source, f"flash encryption is not yet enabled on the device: it {state}")
        return
    plain = [f for f in build.files if f.listed and not f.encrypted]
    if release or not enabled:
        why = ("release mode disables encrypted writes over serial (DIS_DOWNLOAD_MANUAL_ENCRYPT)" if release
               else "the build has flash encryption off")
        reading.failed("esp.flash_encryption", device.source,
                       f"the device has flash encryption enabled and {why}: {', '.join(f.name for f in build.files if f.listed) or 'the images'} would be written in plaintext")
    elif plain:
        reading.failed("esp.flash_encryption", device.source,
                       f"the device has flash encryption enabled, and flasher_args.json writes {', '.join(f.name for f in plain)} in plaintext (idf.py flash instead of idf.py encrypted-flash)")
    else:
        reading.passed("esp.flash_encryption", device.source, "the device has flash encryption enabled and every file is written encrypted")
