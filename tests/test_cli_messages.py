"""`bootdiag messages`: what a pasted line means, from the message catalogues."""
from __future__ import annotations

import io
import json

from bootdiag.app.cli import run
from bootdiag.app.environment import Environment


def messages(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["messages", *args], Environment(stdin=io.BytesIO(), stdout=out, stderr=err, variables={}))
    return code, out.getvalue(), err.getvalue()


def test_a_pasted_line_is_looked_up_by_the_message_it_holds() -> None:
    code, out, _ = messages("> `E (486) esp_image: Image hash failed - image is corrupt`")
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("idf.image_hash_failed (esp, failure)")
    assert "esp_image_format.c" in out  # where upstream prints it


def test_words_find_every_message_that_holds_them() -> None:
    code, out, _ = messages("rcm_state", "--format", "json")
    found = json.loads(out)
    assert code == 0 and len(found) >= 2
    assert all("rcm_state" in m["format"].lower() for m in found)
    assert "tegra.rcm_read_rcm_state" in [m["id"] for m in found]


def test_an_id_gives_that_message() -> None:
    code, out, _ = messages("tegra.mt_board_sku_mismatch")
    assert code == 0 and out.startswith("tegra.mt_board_sku_mismatch (tegra, failure)")


def test_nothing_found_is_one_line_and_an_input_error() -> None:
    code, out, err = messages("zzz", "qqq")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no catalogued message" in err
