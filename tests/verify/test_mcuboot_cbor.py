"""The BOOT_RECORD CBOR decoder, checked against cbor2 (imgtool's own encoder) and RFC 8949 Appendix A."""
from __future__ import annotations

import contextlib
import math

import cbor2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bootdiag.platforms.mcuboot import cbor

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64 - 1),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.binary(max_size=40),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(st.integers(-100, 100), st.text(max_size=5)), children, max_size=5),
    ),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(VALUES)
def test_decodes_what_cbor2_encodes(value: object) -> None:
    assert cbor.decode(cbor2.dumps(value)) == value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_garbage_raises_only_cbor_error(data: bytes) -> None:
    with contextlib.suppress(cbor.CborError):
        cbor.decode(data)


@pytest.mark.parametrize(
    ("hex_bytes", "value"),
    [  # RFC 8949 Appendix A
        ("00", 0), ("17", 23), ("1818", 24), ("1903e8", 1000), ("1bffffffffffffffff", 2**64 - 1),
        ("20", -1), ("3903e7", -1000), ("f90000", 0.0), ("f93c00", 1.0), ("f97bff", 65504.0),
        ("f90001", 5.960464477539063e-08), ("fa47c35000", 100000.0), ("fb3ff199999999999a", 1.1),
        ("f4", False), ("f5", True), ("f6", None), ("40", b""), ("4401020304", b"\x01\x02\x03\x04"),
        ("6449455446", "IETF"), ("62c3bc", "\u00fc"), ("83010203", [1, 2, 3]),
        ("a201020304", {1: 2, 3: 4}), ("5f42010243030405ff", b"\x01\x02\x03\x04\x05"),
        ("7f657374726561646d696e67ff", "streaming"), ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
        ("bf61610161629f0203ffff", {"a": 1, "b": [2, 3]}),
    ],
)  # fmt: skip
def test_rfc8949_examples(hex_bytes: str, value: object) -> None:
    assert cbor.decode(bytes.fromhex(hex_bytes)) == value


def test_special_values() -> None:
    assert math.isinf(cbor.decode(bytes.fromhex("f97c00")))
    assert math.isnan(cbor.decode(bytes.fromhex("f97e00")))
    assert cbor.decode(bytes.fromhex("c074323031332d30332d32315432303a30343a30305a")) == cbor.Tagged(
        0, "2013-03-21T20:04:00Z"
    )
    assert cbor.decode(bytes.fromhex("f7")) is cbor.UNDEFINED


@pytest.mark.parametrize(
    ("hex_bytes", "reason"),
    [
        ("", "needs 1 byte"),
        ("1a0102", "needs 4 byte"),
        ("62c3", "needs 2 byte"),
        ("62c328", "not UTF-8"),
        ("1c", "reserved"),
        ("ff", "unexpected break"),
        ("a201020318", "needs 1 byte"),
        ("a20102", "cannot fit"),
        ("a201020102", "duplicate map key"),
        ("9bffffffffffffffff", "cannot fit"),
        ("0000", "trailing"),
        ("5f01ff", "bad chunk"),
        ("81" * 40 + "00", "nesting"),
    ],
)
def test_malformed_input(hex_bytes: str, reason: str) -> None:
    with pytest.raises(cbor.CborError, match=reason):
        cbor.decode(bytes.fromhex(hex_bytes))


def test_imgtool_boot_record_layout() -> None:
    from imgtool.boot_record import create_sw_component_data

    record = create_sw_component_data("NSPE", "1.2.3", "SHA256", bytes(32), bytes(range(32)))
    assert cbor.decode(record) == {1: "NSPE", 4: "1.2.3", 5: bytes(range(32)), 6: "SHA256", 2: bytes(32)}
    assert list(cbor.decode(record)) == [1, 4, 5, 6, 2]  # the measurement must come last
