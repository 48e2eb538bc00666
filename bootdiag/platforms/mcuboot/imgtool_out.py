"""What imgtool prints when it refuses to sign: the sizes it compared, as numbers rules can weigh.

``Image size (0x%x) + trailer (0x%x) exceeds requested size 0x%x`` (mcu-tools/mcuboot@2d4bacc3c15e,
v2.4.0-114: scripts/imgtool/image.py:474, ``Image.check_trailer``; the same words since v1.9.0) comes
after ``Error: `` when click reports it, or after the exception's name at the end of a traceback. The
image size is ``len(self.payload)``: for an Intel HEX input, everything from the file's lowest address
to its highest (image.py:378-380, ``IntelHex.tobinarray()`` and ``minaddr()``), gaps filled.
"""
from __future__ import annotations

import re

from bootdiag.core.events import Event
from bootdiag.core.numbers import hex_int
from bootdiag.core.parse.family import ClaimsByTrigger, Stateless, compile_trigger
from bootdiag.platforms.mcuboot.events import ImgtoolImageTooLarge

# At the start of the line, or after the prefix click or a traceback puts before it ("Error: ",
# "click.exceptions.BadParameter: "): a sentence that quotes it is left to the message catalogue.
_TOO_LARGE = re.compile(
    r"(?:^|^[\w.]{0,80}: )Image size \(0x([0-9a-fA-F]{1,17})\) \+ trailer \(0x([0-9a-fA-F]{1,17})\)"
    r" exceeds requested size 0x([0-9a-fA-F]{1,17})\b"
)


class ImgtoolFamily(Stateless, ClaimsByTrigger):
    name = "imgtool_out"
    trigger = compile_trigger(r"exceeds requested size 0x")

    def parse(self, text: str, no: int) -> Event | None:
        m = _TOO_LARGE.search(text)
        if m is None:
            return None
        try:
            image, trailer, slot = (hex_int(m.group(i)) for i in (1, 2, 3))
        except ValueError:
            return None
        return ImgtoolImageTooLarge.trusted(line=no, text=text, image_size=image, trailer_size=trailer, slot_size=slot)
