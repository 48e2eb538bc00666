"""What MCUboot images are checked against besides the keys (``bootdiag verify`` options), validated
by pydantic when a verification is asked for."""
from __future__ import annotations

from pydantic import BaseModel


class McubootVerifyOptions(BaseModel):
    measured_boot: bool = False  # MCUBOOT_MEASURED_BOOT: a boot record is required
    max_record_size: int | None = None  # MAX_BOOT_RECORD_SZ of the bootloader
    security_counter: bool = False  # MCUBOOT_HW_ROLLBACK_PROT: SEC_CNT is required
    header_size: int | None = None  # the ih_hdr_size the firmware is linked for
    mcuboot_port: str | None = None  # "zephyr" | "tfm": picks the port's MAX_BOOT_RECORD_SZ default
    enc_key: str | None = None  # private encryption key (imgtool -E's pair) for encrypted images
