"""`bootdiag explain` starts with only what it needs: once the build cache holds the validated
rules, reading a capture imports neither pydantic nor typer nor rich, whatever the output."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CAPTURE = Path(__file__).resolve().parent.parent / "corpus" / "esp-idf" / "chip-revision-too-new.log"

# The command line as its entry point runs it; at exit, the heavy libraries it imported.
_IMPORTS = """
import atexit, sys
atexit.register(lambda: print(sorted({m.split(".")[0] for m in sys.modules} & {"pydantic", "typer", "rich"}), file=sys.stderr))
sys.argv = ["bootdiag", *sys.argv[1:]]
from bootdiag.app.cli import main
main()
"""


def _heavy_imports(cache_home: Path, args: list[str], stdin: Path | None = None) -> str:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    with open(stdin or os.devnull, "rb") as source:
        done = subprocess.run([sys.executable, "-c", _IMPORTS, *args], stdin=source, capture_output=True, text=True, env=env)
    assert done.returncode == 1, done.stderr  # diagnosed
    return done.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cache")
    _heavy_imports(home, ["explain", str(CAPTURE)])  # validates the rules (pydantic) and keeps them
    return home


@pytest.mark.parametrize("output", ["text", "json", "markdown"])
@pytest.mark.parametrize("from_pipe", [False, True], ids=["file", "pipe"])
def test_explain_imports_no_pydantic_typer_or_rich(warm_cache: Path, output: str, from_pipe: bool) -> None:
    args = ["explain", "-" if from_pipe else str(CAPTURE), "--format", output]
    assert _heavy_imports(warm_cache, args, CAPTURE if from_pipe else None) == "[]"


def test_the_rules_are_validated_again_when_the_record_module_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from bootdiag import platforms as registry
    from bootdiag.core import cache, pipeline, record

    keyed: list[Any] = []
    monkeypatch.setattr(cache, "cached", lambda kind, parts, build: keyed.extend(parts) or ())
    pipeline._validated_by_content("rules", registry.registry_key(), ())
    assert Path(record.__file__) in keyed


def test_a_run_ends_after_its_exit_functions_with_everything_written() -> None:
    # explain ends the process without tearing the interpreter down: the report, and what exit
    # functions print after it, still reach a pipe (block-buffered), with the command's status.
    code = ("import atexit, sys; atexit.register(lambda: print('written at exit'));"
            f"sys.argv = ['bootdiag', 'explain', {str(CAPTURE)!r}]; from bootdiag.app.cli import main; main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("root cause:") and done.stdout.endswith("written at exit\n")


# Python source compiled at run time, in "eval" mode: a string annotation made a typing.ForwardRef
# (a typing.NamedTuple's fields, a TypeVar's bound, under `from __future__ import annotations`). The
# first such compile sets up Python's syntax-tree types, about 3% of a small capture's whole start.
_EVAL_COMPILES = """
import builtins, sys
compiled = []
real = builtins.compile
def watched(source, filename, mode, *args, **kwargs):
    if mode == "eval":
        compiled.append(source)
    return real(source, filename, mode, *args, **kwargs)
builtins.compile = watched
import atexit
atexit.register(lambda: print(compiled, file=sys.stderr))
sys.argv = ["bootdiag", *sys.argv[1:]]
from bootdiag.app.cli import main
main()
"""

_CORPUS = CAPTURE.parent.parent


@pytest.mark.parametrize("capture", [CAPTURE, _CORPUS / "mcuboot" / "espressif-missing-boot-record.log",
                                     _CORPUS / "tegra" / "t194-xaviernx-pkc-signed-unfused-stage2signature.log"], ids=lambda p: p.parent.name)
@pytest.mark.parametrize("output", ["text", "json"])
def test_explain_compiles_no_annotation_at_run_time(warm_cache: Path, capture: Path, output: str) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(warm_cache)}
    args = [sys.executable, "-c", _EVAL_COMPILES, "explain", str(capture), "--format", output]
    subprocess.run(args, capture_output=True, env=env)  # builds what its platform needs into the cache
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    assert done.returncode == 1, done.stderr  # diagnosed
    assert done.stderr.strip().splitlines()[-1] == "[]"
