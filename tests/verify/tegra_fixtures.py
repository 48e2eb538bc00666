"""Jetson test material: the reference's Appendix A key-hash vectors and synthetic BCH / sigheader files."""
from __future__ import annotations

import struct
from functools import cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

# tegra.md Appendix A: public keys and the values L4T r35.3.1 tools computed for them
RSA2048_PEM = b"""-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu+dDmC/IkSwcHlXS35Xe
jvutU9w2Zq1LFMZOkbAOpI8hLMHnymxmF+3OkioQbmheSf7Za7RrMKtM+j64J7hk
hovi3hvAGyd367GVFu77Uu1fmeNiuaI5DOUa1iQhwncDBWLQZoAcZZzChm0vaV6p
yua2YBkZ9Kp68vl1Vn0FlIbfl0KyO7K5nZhOtr83L4dhX4MBeJSgX0YeMbM/qtYt
SLzJ1WXerzkm/iTK5j99PEN6hc13jR+6kp1xL+/tW4mke82nx8Dg1had7k1EviFM
QEtSzLZD0QPIALuPu4UPUwX2Ccrhkvnp4NuWCUJgcdy2ibJlARcsb+JjwIGi4nqQ
MQIDAQAB
-----END PUBLIC KEY-----
"""
RSA3072_PEM = b"""-----BEGIN PUBLIC KEY-----
MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAv/vbTmi3BSzT9HBKNa1S
fkfii0wcDgN0Qy37KfsMffoug4zzuRzYjOuQvRbV/S9uHp/S3/awjc49R11Bl9tC
3CVV5kmLxxPWaz2gqyJJamjhWGt9r/A/CVcDq/lDNzdZv2QW7cbUrcNlCYn+v3hH
6k1BHYt+didK3IDLYBx6PYSwId4oYscKgqtSWHPQMyrTZF8QNlyA1/lyof50EmJX
BV1OPMNg0Z1HX4iI97ifCmBxZVd0iDPMqf2nc152j7rss5/dK2tkjCBGHhWHDrCA
HFxp6MXHq2VKo6gMGeAorzo1dK87mc7asfbmIjP4rT48rTmu2Yp7kcodZEbJWwMQ
8DXSCyzs1TXQvLfEPlbjVp9pIQRJfCkTPBmsSXC7/jio/Gl9r6pqCIncXOVGv2V8
EUbRqydaA5Zy927Kg99TX0h/qFSqKy3fkcGaW9rZ0WS27MhTh0vHQvHetGItth3a
3U3zWkIznWiZfyqq5RDTNw3ePqWRL8y+AEGBRj4bg1ZBAgMBAAE=
-----END PUBLIC KEY-----
"""
P256_PEM = b"""-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEWZ4Xe0kTIOZk4378u2/h0xOs8VD+
YhZ7f0kgF9rO9dsszBY5kxuathciZSO/hyEJgEeU0XKubYYh/MkDYfX6Sg==
-----END PUBLIC KEY-----
"""
P521_PEM = b"""-----BEGIN PUBLIC KEY-----
MIGbMBAGByqGSM49AgEGBSuBBAAjA4GGAAQBwU1d+FUYmf4q25WUJcm8JK9pcT6E
K0R7RhAr1Fp7H9pYpcWzSggrK7LXIIJEmfrVtRcPWNvuW4DuxAm3xpokKsABbIK3
2KHnS61OvMPtndC8QS7oIwSLcOVaScpdxPjhKaGti6XdSEd7fstc6rDeEvaTIJPd
NAQhXWLx0YBMIZYLMH4=
-----END PUBLIC KEY-----
"""

VECTORS = {
    "rsa-2048": (RSA2048_PEM, {
        "t186": "e4a8da833c8f0d6c1bbde6e99a1a38742366ceacfee2574bbd5f48072374ccb3",
        "t194": "b72cb1b109a17d394e7ed6f89c964a24b72449c4af8ae875dd84c620730f382e",
    }),
    "rsa-3072": (RSA3072_PEM, {
        "t194": "f9f9ca220f112fb0699b2fbd6d049b4932adcdc7e75dc814bd44eaba085faa1c",
        "t234": "322c5db9be9f3f81d0f85b5e0af614de5558abe1aec475aa8b101917655242f0"
                "75e13e5ec411cd3e4a2b856ce162550ad86f5e61046200769374915d70a404ec",
    }),
    "ecdsa-p256": (P256_PEM, {
        "t234": "e03d3f86ba602cda9adf7ef401baae7a5ffcf73c8b6c566b5fde7895106fbc49"
                "336015760f0ca1d6d33accd560e6166131e4f4dd471cefc2cde6dfd020e280a0",
    }),
    "ecdsa-p521": (P521_PEM, {
        "t234": "42d6057df00a170502858fe144cb3db7181f4c7b184c29d273d9fb1149dc5032"
                "ffbcb172d69d8288b422872a9d7238dcc5f37449faaae9b766e2f9be376d25af",
    }),
}  # fmt: skip

# What tegrasign_v3 would print for the RSA-2048 key on T234 (a key type Orin does not take)
RSA2048_T234_UNSUPPORTED = (
    "438f35cfda143350250ab5f7d778de616d33692cd35f8773b5572ce8a0861790"
    "573f1f3e818770015f92940f78019c37834e3be69a70e79c2e45e55bf72c26b8"
)


@cache
def private_key(kind: str, seed: int = 0) -> rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey:
    """A fresh private key per (kind, seed), generated once per session."""
    if kind.startswith("rsa-"):
        return rsa.generate_private_key(65537, int(kind[4:]))
    curve = {"ecdsa-p256": ec.SECP256R1(), "ecdsa-p384": ec.SECP384R1(), "ecdsa-p521": ec.SECP521R1()}[kind]
    return ec.generate_private_key(curve)


def serialise(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey, form: str) -> bytes:
    """The key in one of the on-disk forms users bring."""
    enc = serialization.Encoding
    priv = serialization.PrivateFormat
    pub = serialization.PublicFormat
    none = serialization.NoEncryption()
    forms = {
        "traditional-pem": lambda: key.private_bytes(enc.PEM, priv.TraditionalOpenSSL, none),
        "pkcs8-pem": lambda: key.private_bytes(enc.PEM, priv.PKCS8, none),
        "pkcs8-der": lambda: key.private_bytes(enc.DER, priv.PKCS8, none),
        "traditional-der": lambda: key.private_bytes(enc.DER, priv.TraditionalOpenSSL, none),
        "spki-pem": lambda: key.public_key().public_bytes(enc.PEM, pub.SubjectPublicKeyInfo),
        "spki-der": lambda: key.public_key().public_bytes(enc.DER, pub.SubjectPublicKeyInfo),
        "pkcs1-public-pem": lambda: key.public_key().public_bytes(enc.PEM, pub.PKCS1),
        "encrypted-pkcs8-pem": lambda: key.private_bytes(
            enc.PEM, priv.PKCS8, serialization.BestAvailableEncryption(b"secret")
        ),
    }
    return forms[form]()


# ---------------------------------------------------------------------------------------------- synthetic headers
# Layouts from tegra.md §3.5 (r35.3.1 tegrahost_v2): only the fields bootdiag reads are filled in.


def t194_bch(pcp: bytes, magic_id: bytes = b"MB2B", payload: bytes = b"\xaa" * 64) -> bytes:
    header = bytearray(4096)
    header[0:4] = b"NVDA"
    header[0x10:0x30] = b"\x11" * 32  # SHA-256 of the signed section (not checked)
    header[496 : 496 + len(pcp)] = pcp
    struct.pack_into("<I", header, 0xBA0, 1)
    header[0xBB0:0xBB4] = magic_id
    struct.pack_into("<I", header, 0xBB4, len(payload))
    return bytes(header) + payload


def t234_bch(pcp: bytes, magic_id: bytes = b"MB1B", payload: bytes = b"\xbb" * 64) -> bytes:
    header = bytearray(8192)
    header[0:4] = b"NVDA"
    header[2976 : 2976 + len(pcp)] = pcp
    struct.pack_into("<I", header, 0xFE0, 1)
    header[0x1400:0x1404] = magic_id
    struct.pack_into("<I", header, 0x1404, len(payload))
    return bytes(header) + payload


def t186_sigheader(sign_type: int, magic: bytes = b"GSHV", payload: bytes = b"\xcc" * 64) -> bytes:
    header = bytearray(400)
    header[0:4] = magic
    header[0x180:0x184] = b"MB2B"
    struct.pack_into("<II", header, 388, sign_type, len(payload))
    return bytes(header) + payload


def rsa_pcp_t194(public_numbers_n: int, bits: int) -> bytes:
    """rev(n), plus the Montgomery values for RSA-3072 (tegraopenssl --isPkcKey), written out independently."""
    size = bits // 8
    block = public_numbers_n.to_bytes(size, "little")
    if bits == 3072:
        r = 1 << 3072
        n_prime = (r - pow(public_numbers_n, -1, r)) % r
        block += n_prime.to_bytes(384, "little") + pow(r, 2, public_numbers_n).to_bytes(384, "little")
    return block + bytes(1216 - len(block))
