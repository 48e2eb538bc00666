"""Random mutations and truncations of real ESP images: the verifier reports, it never crashes."""
from __future__ import annotations

import functools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bootdiag.platforms.esp import verifier as esp_verifier
from bootdiag.verify.model import ImageReport, UnusableInput, VerifyOptions
from esp_fixtures import FACTORY_TABLE, build_app, build_bootloader, partition_table, scratch, sign, signing_key

SECTOR = 4096


@functools.lru_cache(maxsize=None)
def base_images() -> dict[str, bytes]:
    rsa_signed = sign(build_bootloader("esp32"), 2, signing_key("rsa3072"))
    return {
        "sbv2_rsa": rsa_signed,
        "sbv2_p384": sign(build_bootloader("esp32s3"), 2, signing_key("ecdsa384")),
        "sbv2_two_blocks": sign(build_bootloader("esp32c6"), 2, signing_key("ecdsa256"), signing_key("ecdsa192")),
        "sbv1": sign(build_bootloader("esp32"), 1, signing_key("v1")),
        "merged": b"\xff" * 0x1000 + rsa_signed,
        "merged_with_table": (b"\xff" * 0x1000 + rsa_signed).ljust(0x8000, b"\xff")
        + partition_table(*FACTORY_TABLE).ljust(0x8000, b"\xff") + sign(build_app("esp32"), 2, signing_key("rsa3072")),
        "app_unsigned": build_app("esp32s3"),
    }


@functools.lru_cache(maxsize=None)
def key_options() -> list[VerifyOptions]:
    return [
        VerifyOptions(),
        VerifyOptions(keys=[str(signing_key("rsa3072"))]),
        VerifyOptions(keys=[str(signing_key("v1"))]),
        VerifyOptions(keys=[str(signing_key("ecdsa384"))], chip="esp32s3"),
        VerifyOptions(key_digests=["00" * 32]),
    ]


def _apply(data: bytes, edits: list[tuple[int, int, int]], keep: int | None, tail: bytes) -> bytes:
    out = bytearray(data)
    for region, position, mask in edits:
        # region 0: header, 1: anywhere, 2: the signature sector / V1 signature at the end
        if region == 0:
            index = position % min(64, len(out))
        elif region == 1:
            index = position % len(out)
        else:
            index = len(out) - 1 - position % min(SECTOR, len(out))
        out[index] ^= mask
    if keep is not None:
        out = out[: keep % (len(out) + 1)]
    return bytes(out) + tail


def _check(data: bytes, options: VerifyOptions) -> None:
    esp_verifier.matches(data, options)
    try:
        report = esp_verifier.verify(data, "fuzz.bin", options)
    except UnusableInput as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(report, ImageReport)
    assert report.ok == (not report.all_problems() and not report.all_missing())
    assert report.format in ("esp-app", "esp-bootloader", "esp-flash", "esp-flash-encrypted")
    json.dumps(report.model_dump())


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(["sbv2_rsa", "sbv2_p384", "sbv2_two_blocks", "sbv1", "merged", "app_unsigned"]),
    edits=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2**24), st.integers(1, 255)), max_size=6),
    keep=st.none() | st.integers(0, 2**24),
    tail=st.binary(max_size=80),
    option_index=st.integers(0, 4),
    offset=st.none() | st.sampled_from([0, 0x1000, 0x20, 10**7]),
)
def test_mutated_images_never_raise(
    base: str, edits: list[tuple[int, int, int]], keep: int | None, tail: bytes, option_index: int, offset: int | None
) -> None:
    data = _apply(base_images()[base], edits, keep, tail)
    options = key_options()[option_index].model_copy(update={"offset": offset})
    _check(data, options)


@settings(max_examples=100, deadline=None, database=None)
@given(
    data=st.binary(max_size=6000),
    esp_magic=st.booleans(),
    chip=st.none() | st.sampled_from(["esp32", "esp32-c3", "t194"]),
)
def test_random_bytes_never_raise(data: bytes, esp_magic: bool, chip: str | None) -> None:
    if esp_magic:
        data = b"\xe9" + data
    _check(data, VerifyOptions(chip=chip))


@settings(max_examples=60, deadline=None, database=None)
@given(text=st.text(max_size=400), as_json=st.booleans())
def test_random_efuse_summaries_never_raise(text: str, as_json: bool) -> None:
    body = json.dumps({"BLOCK_KEY0": {"value": text}, "KEY_PURPOSE_0": {"value": text}}) if as_json else text
    path = scratch(body.encode("utf-8", "surrogatepass"), ".txt")
    _check(base_images()["sbv2_rsa"], VerifyOptions(efuse_summary=str(path)))
