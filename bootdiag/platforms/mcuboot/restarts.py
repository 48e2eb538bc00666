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

A restart that follows lines of TF-M's secure image with no other line in between (nothing of the
non-secure image it starts, read or not) is noted apart: the device reset between the secure
image's start-up and the first line of the application, which no manual reset times so closely.

TF-M up to 2.0 prints its banner after its first partition line: main() calls tfm_core_init(), which
says "[Sec Thread] Secure image initializing!", then prints "Booting TF-M" (TF-Mv2.0.0
secure_fw/spm/core/main.c:70, :110; TF-Mv1.8.0 secure_fw/spm/cmsis_psa/main.c:66, :102; "Booting TFM"
before 1.6). From 2.1 the banner comes first (TF-Mv2.1.0 secure_fw/spm/core/main.c:57, :77). So the
first banner of an older release after such lines goes on with the same start.
"""
from __future__ import annotations

from bootdiag.core.numbers import int_or_none
from bootdiag.platforms.mcuboot import events as ev

# Restarts are not counted beyond the number that shows a loop: from there the family's state is
# the same from one boot to the next, so a long loop is counted as repeats of one boot instead of
# being read line by line.
CAP = ev.RESTART_LOOP
_SECURE_IMAGE = (ev.TfmBanner, ev.TfmSecureLog)
_SECURE_RESET_GAP = 2  # lines from the secure image's last to the restart: a blank one may come between


def banner_after_partitions(version: str) -> bool:
    """Whether TF-M of this version (``v1.3.0``, ``v2.0.0+abc``) prints its banner after its first
    partition line (see the module's text); ``False`` when the version is not read."""
    numbers = version.lstrip("v").split(".")
    if len(numbers) < 2 or not numbers[0].isdigit() or not numbers[1][:2].isdigit():
        return False
    major, minor = int_or_none(numbers[0]), int_or_none("".join(ch for ch in numbers[1] if ch.isdigit()))
    if major is None or minor is None:
        return False  # too long to be a release's number
    return major < 2 or (major == 2 and minor == 0)


class RestartCount:
    __slots__ = ("count", "ran", "banner_last", "secure_only", "last_line", "secure_banner")

    def __init__(self, count: int = 0, ran: int = 0, banner_last: bool = False, secure_only: bool = True,
                 last_line: int = 0, secure_banner: bool = False) -> None:
        self.count = count  # restarts after the image ran, so far in the capture
        self.ran = ran  # lines of the booted image since the last start
        self.banner_last = banner_last  # the last line read was a Zephyr banner after the hand-over
        self.secure_only = secure_only  # every line of the booted image so far was TF-M's secure image's
        self.last_line = last_line  # the number of the last line of the booted image
        self.secure_banner = secure_banner  # TF-M's banner came since the last start

    def state(self, no: int) -> tuple[int, int, bool, bool, int, bool]:
        """Where the count stands at line ``no`` (the last line of the image as a distance, no further
        than matters, so that boots alike but for where they stand in the capture leave one state)."""
        distance = min(no - self.last_line, _SECURE_RESET_GAP + 1)
        return self.count, min(self.ran, 2), self.banner_last, self.secure_only, distance, self.secure_banner

    @classmethod
    def restored(cls, state: tuple[int, int, bool, bool, int, bool], no: int) -> "RestartCount":
        count, ran, banner_last, secure_only, distance, secure_banner = state
        return cls(count, ran, banner_last, secure_only, no - distance, secure_banner)

    def goes_on(self, version: str) -> bool:
        """TF-M's banner (of ``version``) goes on with the start under way: a release that prints it
        after its first partition line, after only such lines, and the first banner since that start."""
        return self.ran > 0 and self.secure_only and not self.secure_banner and banner_after_partitions(version)

    def saw(self, cls: type, handed_over: bool, no: int) -> None:
        """A line of kind ``cls`` was read at line ``no`` (``handed_over``: after ``Jumping to ...``)."""
        runs = issubclass(cls, ev.McubootAppRunning) and (handed_over or self.ran or cls is not ev.ZephyrAppLog)
        if cls is ev.TfmBanner:
            self.secure_banner = True
        # With no BL2 line to hand over from, the application's banner after TF-M reads as a boot banner.
        if runs or (cls is ev.ZephyrBootBanner and self.ran):
            self.ran += 1
            self.banner_last = cls is ev.ZephyrAppBanner
            self.secure_only = self.secure_only and cls in _SECURE_IMAGE
            self.last_line = no
        else:
            self.banner_last = False

    def started(self, cls: type, no: int) -> tuple[int, bool]:
        """The bootloader (or TF-M's secure image) starts at line ``no``: the restarts so far, this one
        included, and whether this one came right after TF-M's secure image, before any line of the
        application."""
        ran = self.ran - (1 if cls is ev.McubootStart and self.banner_last else 0)
        secure_reset = ran > 0 and self.secure_only and no - self.last_line <= _SECURE_RESET_GAP
        if ran > 0:
            self.count = min(self.count + 1, CAP)
        self.ran, self.banner_last, self.secure_only, self.secure_banner = 0, False, True, False
        return self.count, secure_reset

    def updating(self) -> None:
        """MCUboot swaps or reverts an image: the reboots around it were planned."""
        self.count = 0
