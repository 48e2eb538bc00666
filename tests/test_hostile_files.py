"""Files read whole are bounded: a FIFO, a device, a directory or a file too large is an input error.

Keys, images, eFuse and fuse summaries, configurations, rule files and message catalogues are read
into memory. ``/dev/zero`` as any of them took 3.8 GB and a MemoryError (exit 4); a FIFO hung.
Now each is one line on stderr and exit 2, at once.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from esp_fixtures import build_app, scratch, signing_key
from hostile_support import bootdiag, clean_error, never_hangs  # noqa: F401 - a fixture

from bootdiag.core.errors import BootdiagError
from bootdiag.core.files import KEY_LIMIT, read_regular
from bootdiag.core.messages import load_catalogue_file
from bootdiag.core.structured import TooDeep, depth_error, load_json, load_toml

ROOT = Path(__file__).resolve().parents[1]
LOG = ROOT / "corpus" / "esp-idf" / "sb2-bootloader-header-rewritten-esptool3.log"


pytestmark = pytest.mark.usefixtures("never_hangs")


@pytest.fixture
def specials(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Name -> (path, what the error says it is)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "zero-link"
    link.symlink_to("/dev/zero")
    huge = tmp_path / "huge.pem"
    with huge.open("wb") as f:
        f.truncate(KEY_LIMIT + 1)  # sparse: costs nothing on disk
    return {
        "fifo": (fifo, "FIFO"), "dev-zero": (Path("/dev/zero"), "character device"), "link-to-zero": (link, "character device"),
        "directory": (tmp_path, "directory"),
    } | {"too-large": (huge, "more than")}


def _each(specials: dict[str, tuple[Path, str]]) -> Iterator[tuple[str, str, str]]:
    for name, (path, said) in specials.items():
        yield name, str(path), said


def test_a_key_that_is_not_a_regular_file(specials: dict[str, tuple[Path, str]]) -> None:
    image = scratch(build_app("esp32s3"))
    for name, path, said in _each(specials):
        err = clean_error(bootdiag("verify", str(image), "--key", path))
        assert said in err, (name, err)


def test_an_image_that_is_not_a_regular_file(specials: dict[str, tuple[Path, str]]) -> None:
    for name, path, said in _each(specials):
        if name == "too-large":
            continue  # the image limit is 512 MiB; a key's is the one tested above
        err = clean_error(bootdiag("verify", path))
        assert said in err, (name, err)
        err = clean_error(bootdiag("explain", str(LOG), "--image", path))
        assert said in err, (name, err)


def test_efuse_fuse_info_and_configuration_files(specials: dict[str, tuple[Path, str]]) -> None:
    image = scratch(build_app("esp32s3"))
    for name, path, said in _each(specials):
        if name == "too-large":
            continue
        for args in (["--image", str(image), "--efuse", path], ["--config", path]):
            err = clean_error(bootdiag("explain", str(LOG), *args))
            assert said in err, (name, args, err)
        err = clean_error(bootdiag("verify", str(signing_key("rsa3072")), "--fuse-info", path))
        assert said in err or "fuse_info" in err, (name, err)


def test_rule_files_every_problem_listed(specials: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "fifo.toml").symlink_to(specials["fifo"][0])
    (folder / "zero.toml").symlink_to("/dev/zero")
    (folder / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    (folder / "latin1.toml").write_bytes(b"# caf\xe9\n")
    err = clean_error(bootdiag("rules", "--rules", str(folder)))
    assert "4 mistakes" in err
    for said in ("fifo.toml: is a FIFO", "zero.toml: is a character device", "deep.toml: nested more than", "latin1.toml: not UTF-8"):
        assert said in err, err


def test_message_catalogues_from_a_platform_are_read_the_same_way(specials: dict[str, tuple[Path, str]], tmp_path: Path) -> None:
    for name, (path, said) in specials.items():
        if name == "too-large":
            continue  # a catalogue may be 16 MiB
        with pytest.raises(BootdiagError, match=said):
            load_catalogue_file(path, "toy")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "{a = " * 3000 + "1" + "}" * 3000 + "\n")
    with pytest.raises(BootdiagError, match="nested"):
        load_catalogue_file(deep, "toy")


def test_json_and_toml_nesting_is_bounded() -> None:
    for text in ("[" * 100_000, "[" * 40 + "]" * 40, '{"a":' * 50 + "1" + "}" * 50):
        with pytest.raises(ValueError):
            load_json(text)
    assert load_json("[" * 10 + "]" * 10) == [[[[[[[[[[]]]]]]]]]]
    with pytest.raises(TooDeep):
        load_toml("a = " + "[" * 5000 + "]" * 5000)
    assert depth_error({"a": [[{"b": 1}]]}) is None


def test_an_efuse_summary_nested_past_any_summary_is_an_input_error(tmp_path: Path) -> None:
    image = scratch(build_app("esp32s3"))
    summary = tmp_path / "efuse.json"
    summary.write_text('{"BLOCK_KEY0": ' + "[" * 100_000 + "]" * 100_000 + "}")
    err = clean_error(bootdiag("explain", str(LOG), "--image", str(image), "--efuse", str(summary)))
    assert "espefuse summary" in err
    summary.write_text('{"BLOCK_KEY0": {"value": ' + "9" * 5000 + "}}")  # past Python's int-string limit
    clean_error(bootdiag("explain", str(LOG), "--image", str(image), "--efuse", str(summary)))


def test_a_capture_whose_first_read_fails() -> None:
    if not Path("/proc/self/mem").exists():
        pytest.skip("no /proc")
    for command in ("explain", "events"):
        assert "cannot read (Input/output error)" in clean_error(bootdiag(command, "/proc/self/mem"))


def test_the_reader_itself(tmp_path: Path) -> None:
    small = tmp_path / "k.pem"
    small.write_bytes(b"abc")
    assert read_regular(small, 10, "key") == b"abc"
    with pytest.raises(BootdiagError, match="no such key file"):
        read_regular(tmp_path / "missing", 10, "key")
    with pytest.raises(BootdiagError, match="more than such a key file can be"):
        read_regular(small, 2, "key")
