"""What Jetson images are checked against besides the keys (``bootdiag verify`` options), validated
by pydantic when a verification is asked for."""
from __future__ import annotations

from pydantic import BaseModel


class TegraVerifyOptions(BaseModel):
    fuse_hash: str | None = None  # the PKC public key hash burned in fuses (hex)
    fuse_info: str | None = None  # path to an odmfuseread.sh fuse_info.txt
    board_info: str | None = None  # path to a module EEPROM dump (flash.sh's bootloader/cvm.bin)
