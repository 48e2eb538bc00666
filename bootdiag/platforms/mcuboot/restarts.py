"""How often a device started over after the image MCUboot booted had run.

A board that boots its image and then resets (a fault with reset-on-fatal-error, a watchdog the
image does not feed, a brown-out when the radio starts) prints the same boot again and again: the
bootloader's start, the hand-over, a few lines of the image, then the bootloader's start once more.
Each start of the bootloader (or, with a silent TF-M BL2, of the TF-M secure image) that follows a
line printed by the booted image counts one restart. A start that follows only a
``*** Booting Zephyr OS ***`` banner is not counted: a Zephyr build of MCUboot prints that banner
itself before ``Starting bootloader``, so the image may never have run (the jump-then-silence case
other rules read). An update's swap (``Swap type: test``, ``perm`` or ``revert``) is a planned
reboot: the count starts over from it.
"""
from __future__ import annotations

from bootdiag.platforms.mcuboot import events as ev

# Restarts are not counted beyond the number that shows a loop: from there the family's state is
# the same from one boot to the next, so a long loop is counted as repeats of one boot instead of
# being read line by line.
CAP = ev.RESTART_LOOP


class RestartCount:
    __slots__ = ("count", "ran", "banner_last")

    def __init__(self, count: int = 0, ran: int = 0, banner_last: bool = False) -> None:
        self.count = count  # restarts after the image ran, so far in the capture
        self.ran = ran  # lines of the booted image since the last start
        self.banner_last = banner_last  # the last line read was a Zephyr banner after the hand-over

    def state(self) -> tuple[int, int, bool]:
        return self.count, min(self.ran, 2), self.banner_last

    @classmethod
    def restored(cls, state: tuple[int, int, bool]) -> "RestartCount":
        return cls(*state)

    def saw(self, cls: type, handed_over: bool) -> None:
        """A line of kind ``cls`` was read (``handed_over``: after ``Jumping to ...``)."""
        if issubclass(cls, ev.McubootAppRunning) and (handed_over or self.ran or cls is not ev.ZephyrAppLog):
            self.ran += 1
            self.banner_last = cls is ev.ZephyrAppBanner
        else:
            self.banner_last = False

    def started(self, cls: type) -> int:
        """The bootloader (or TF-M's secure image) starts: the restarts so far, this one included."""
        ran = self.ran - (1 if cls is ev.McubootStart and self.banner_last else 0)
        if ran > 0:
            self.count = min(self.count + 1, CAP)
        self.ran, self.banner_last = 0, False
        return self.count

    def updating(self) -> None:
        """MCUboot swaps or reverts an image: the reboots around it were planned."""
        self.count = 0
