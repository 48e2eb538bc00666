"""Events that come from files beside the log: a verified image, a build configuration.

They carry ``line = 0`` (not a line of the capture) and are fed before the capture, so rules use
them as context with ``scope = "capture"``. Their ``text`` is what the report shows as evidence.
"""

from typing import Literal

from bootdiag import platforms as registry
from bootdiag.core.events import Event


class ArtifactEvent(Event):
    kind: str = "ArtifactEvent"
    family = "artifact"


class ImageChecked(ArtifactEvent):
    """One image verified: its format, verdict, problem ids and (MCUboot) TLV names."""

    kind: Literal["ImageChecked"] = "ImageChecked"
    value_sets = {"problems": registry.problem_catalogue}
    image: str
    format: str
    ok: bool
    problems: list[str]
    tlvs: list[str]

    @property
    def tlv_list(self) -> str:
        return ", ".join(self.tlvs) if self.tlvs else "none"


class ImageProblem(ArtifactEvent):
    """One problem the verifier found in an image (``bootdiag verify`` problem id and message)."""

    kind: Literal["ImageProblem"] = "ImageProblem"
    value_sets = {"problem": registry.problem_catalogue}
    image: str
    format: str
    problem: str
    message: str


class BuildSetting(ArtifactEvent):
    """A setting from the build's configuration (sdkconfig, CMakeCache.txt, Zephyr .config)."""

    kind: Literal["BuildSetting"] = "BuildSetting"
    source: str
    name: str
    value: str
