"""Zephyr-sysbuild-shaped and TF-M-shaped build folders, with images signed by imgtool itself.

A sysbuild folder holds mcuboot/zephyr/.config and zephyr.dts (the bootloader as built) and
hello/zephyr/.config and zephyr.signed.bin (the application as signed); a TF-M folder holds
CMakeCache.txt and bin/tfm_*_signed.bin. Values are those Zephyr and TF-M write.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from pathlib import Path

import mcuboot_fixtures as mf

SLOT = 0x20000


@dataclass(frozen=True)
class ZephyrSpec:
    """The defaults give a sysbuild build that boots: ECDSA P-256 key 'a', header 0x200, swap using move."""

    key: str | None = "a"  # the key the application is signed with (None: unsigned)
    bootloader_key: str = "a"
    header_size: int = 0x200  # what the image is signed with
    rom_start_offset: int = 0x200  # what the application is linked for
    slot_size: int = SLOT  # image-0 in the devicetree
    erase_size: int = 0x1000
    security_counter: bool = False  # -s 1
    boot_record: bool = False  # --boot-record
    encrypt: bool = False  # --encrypt with an EC256 key
    corrupt: bool = False
    raw: bool = False  # zephyr.signed.bin is the unsigned binary
    confirmed: bool = False  # padded to the slot with its trailer (imgtool --pad --confirm)
    bootloader: tuple[tuple[str, str], ...] = ()  # extra CONFIG_ settings of the bootloader


# One sysbuild folder per way an MCUboot build can be broken: name: (spec changes, the cause, the check that fails).
BROKEN = {
    "other-key": (dict(key="b"), "mcuboot.wrong_signing_key", "mcuboot.key"),
    "unsigned": (dict(key=None), "mcuboot.unsigned_image", "mcuboot.signed"),
    "corrupted": (dict(corrupt=True), "mcuboot.corrupted_image", "mcuboot.intact"),
    "raw-binary": (dict(raw=True), "mcuboot.not_an_mcuboot_image", "mcuboot.format"),
    "header-0x200-linked-at-0x800": (dict(rom_start_offset=0x800), "mcuboot.bad_header_size", "mcuboot.header_size"),
    "slot-too-small": (dict(slot_size=0x1000), "mcuboot.slot_or_trailer_problem", "mcuboot.fits_slot"),
    "too-many-sectors": (dict(slot_size=0x100000), "mcuboot.slot_or_trailer_problem", "mcuboot.sectors"),
    "no-sec-cnt-with-rollback-protection": (dict(bootloader=(("MCUBOOT_HW_DOWNGRADE_PREVENTION", "y"),)), "mcuboot.missing_security_counter", "mcuboot.security_counter"),
    "no-boot-record-with-measured-boot": (dict(bootloader=(("MEASURED_BOOT", "y"), ("MEASURED_BOOT_MAX_CBOR_SIZE", "256"))), "mcuboot.missing_boot_record", "mcuboot.boot_record"),
    "boot-record-over-max-cbor-size": (dict(boot_record=True, bootloader=(("MEASURED_BOOT", "y"),)), "mcuboot.boot_record_too_large", "mcuboot.boot_record_size"),
    "encrypted-for-a-plain-bootloader": (dict(encrypt=True), "mcuboot.image_not_valid", "mcuboot.encryption"),
    "two-images-expected": (dict(bootloader=(("UPDATEABLE_IMAGE_NUMBER", "2"),)), "mcuboot.empty_slot", "mcuboot.image_count"),
}


@functools.cache
def _signed(spec: ZephyrSpec) -> bytes:
    payload = mf.payload_path(3000, seed=5, vector_table=True)
    if spec.raw:
        return payload.read_bytes()
    out = mf.WORKDIR / f"zephyr-{abs(hash(spec))}.bin"
    args: list[object] = ["sign", "-v", "1.0.0", "-S", hex(SLOT), "-H", hex(spec.header_size), "--pad-header", "--align", "4"]
    if spec.key:
        args += ["-k", mf.key_path("ecdsa-p256", spec.key)]
    if spec.security_counter:
        args += ["-s", "1"]
    if spec.boot_record:
        args += ["--boot-record", "SPE"]
    if spec.confirmed:
        args += ["--pad", "--confirm"]
    if spec.encrypt:
        args += ["-E", mf.public_key_path(mf.key_path("ecdsa-p256", "enc"))]
    result = mf.imgtool(*args, payload, out)
    assert result.rc == 0, result.output
    data = out.read_bytes()
    return mf.flip_byte(data, spec.header_size + 100) if spec.corrupt else data


def _dts(spec: ZephyrSpec) -> str:
    # the shape of zephyr.dts as Zephyr writes it: a soc-nv-flash node with fixed-partitions
    return f"""/dts-v1/;
/ {{
	soc {{
		flash-controller@4001e000 {{
			flash0: flash@0 {{
				compatible = "soc-nv-flash";
				erase-block-size = < {spec.erase_size:#x} >;
				write-block-size = < 0x4 >;
				reg = < 0x0 0x200000 >;
				partitions {{
					compatible = "fixed-partitions";
					#address-cells = < 0x1 >;
					#size-cells = < 0x1 >;
					boot_partition: partition@0 {{
						label = "mcuboot";
						reg = < 0x0 0xc000 >;
					}};
					slot0_partition: partition@c000 {{
						label = "image-0";
						reg = < 0xc000 {spec.slot_size:#x} >;
					}};
					slot1_partition: partition@{0xc000 + spec.slot_size:x} {{
						label = "image-1";
						reg = < {0xc000 + spec.slot_size:#x} {spec.slot_size:#x} >;
					}};
				}};
			}};
		}};
	}};
}};
"""


def write_zephyr(folder: Path, spec: ZephyrSpec = ZephyrSpec()) -> Path:
    loader = folder / "mcuboot" / "zephyr"
    app = folder / "hello" / "zephyr"
    loader.mkdir(parents=True, exist_ok=True)
    app.mkdir(parents=True, exist_ok=True)
    settings = {
        "BOOT_SIGNATURE_TYPE_ECDSA_P256": "y",
        "BOOT_SIGNATURE_KEY_FILE": f'"{mf.key_path("ecdsa-p256", spec.bootloader_key)}"',
        "BOOT_SWAP_USING_MOVE": "y",
        "BOOT_MAX_IMG_SECTORS": "128",
        "UPDATEABLE_IMAGE_NUMBER": "1",
        **dict(spec.bootloader),
    }
    lines = ["# Automatically generated file; DO NOT EDIT.", "# Zephyr Kernel Configuration"]
    lines += [f"CONFIG_{k}={v}" for k, v in settings.items()]
    lines += ["# CONFIG_BOOT_UPGRADE_ONLY is not set", "# CONFIG_SINGLE_APPLICATION_SLOT is not set"]
    (loader / ".config").write_text("\n".join(lines) + "\n")
    (loader / "zephyr.dts").write_text(_dts(spec))
    (app / ".config").write_text(
        f"CONFIG_BOOTLOADER_MCUBOOT=y\nCONFIG_ROM_START_OFFSET={spec.rom_start_offset:#x}\n"
        f'CONFIG_MCUBOOT_SIGNATURE_KEY_FILE="{mf.key_path("ecdsa-p256", spec.key or "a")}"\n'
    )
    (app / "zephyr.signed.bin").write_bytes(_signed(spec))
    (app / "zephyr.dts").write_text(_dts(spec))
    return folder


def zephyr(**changes: object) -> ZephyrSpec:
    return replace(ZephyrSpec(), **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class TfmSpec:
    """TF-M with BL2: two images, rollback protection and measured boot on; the defaults boot."""

    ns_security_counter: bool = True
    images: int = 2


def write_tfm(folder: Path, spec: TfmSpec = TfmSpec()) -> Path:
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    key_s, key_ns = mf.key_path("ecdsa-p256", "a"), mf.key_path("ecdsa-p256", "ns")
    cache = [
        "# This is the CMakeCache file.",
        "BL2:BOOL=ON",
        f"MCUBOOT_IMAGE_NUMBER:STRING={spec.images}",
        f"MCUBOOT_SIGNATURE_KEY_1:FILEPATH={key_s}",
        f"MCUBOOT_SIGNATURE_KEY_2:FILEPATH={key_ns}",
        "MCUBOOT_HW_ROLLBACK_PROT:BOOL=ON",
        "MCUBOOT_MEASURED_BOOT:BOOL=ON",
        "MCUBOOT_UPGRADE_STRATEGY:STRING=OVERWRITE_ONLY",
    ]
    (folder / "CMakeCache.txt").write_text("\n".join(cache) + "\n")
    s = mf.signed_image("ecdsa-p256", boot_record="SPE", security_counter="1", payload=mf.payload_path(2000, seed=6))
    (folder / "bin" / "tfm_s_signed.bin").write_bytes(s)
    ns = _tfm_ns(spec.ns_security_counter)
    (folder / "bin" / "tfm_ns_signed.bin").write_bytes(ns)
    return folder


@functools.cache
def _tfm_ns(security_counter: bool) -> bytes:
    out = mf.WORKDIR / f"tfm-ns-{security_counter}.bin"
    args: list[object] = ["sign", "-v", "1.0.0", "-S", hex(SLOT), "-H", "0x400", "--pad-header", "-k", mf.key_path("ecdsa-p256", "ns"), "--boot-record", "NSPE"]
    if security_counter:
        args += ["-s", "1"]
    result = mf.imgtool(*args, mf.payload_path(2500, seed=7), out)
    assert result.rc == 0, result.output
    return out.read_bytes()
