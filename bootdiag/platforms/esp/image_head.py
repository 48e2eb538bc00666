"""Whether a file's first bytes are an ESP image (light: no verifier imports)."""
from __future__ import annotations

IMAGE_MAGIC = 0xE9  # IDF esp_app_format.h ESP_IMAGE_HEADER_MAGIC
MAX_SEGMENTS = 16  # IDF ESP_IMAGE_MAX_SEGMENTS
_LAST_FLASH_MODE = 5  # IDF esp_app_format.h esp_image_spi_mode_t: QIO .. SLOW_READ = 0 .. 5


def image_kind(head: bytes) -> str | None:
    """"ESP firmware image" when ``head`` opens with an image header (magic, a segment count, a
    flash mode), else None."""
    if len(head) >= 8 and head[0] == IMAGE_MAGIC and 0 < head[1] <= MAX_SEGMENTS and head[2] <= _LAST_FLASH_MODE:
        return "ESP firmware image"
    return None
