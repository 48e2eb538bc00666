"""How random a block of bytes looks: ciphertext (or compressed data) is close to 8 bits per byte,
code and tables well below, erased flash 0."""
from __future__ import annotations

import math
from collections import Counter

# Encrypted 4 KB blocks measure ~7.95 bits/byte; firmware code and data rarely pass 7 (compressed
# resources can, so a verdict built on this says "looks", never "is").
CIPHERTEXT_BITS = 7.2


def bits_per_byte(block: bytes) -> float:
    if not block:
        return 0.0
    total = len(block)
    return -sum(n / total * math.log2(n / total) for n in Counter(block).values())


def looks_encrypted(block: bytes, minimum: int = 1024) -> bool:
    return len(block) >= minimum and bits_per_byte(block[:4096]) >= CIPHERTEXT_BITS
