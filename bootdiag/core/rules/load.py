"""Reading rule files: every file's every mistake, each with its file, rule and field."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bootdiag import platforms as registry
from bootdiag.core.errors import RuleError
from bootdiag.core.rules.model import Prediction, Rule


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc)


def _read(path: Path) -> dict[str, Any]:
    """A rules file's table: a regular file of bounded size, valid UTF-8 TOML, not nested deeply."""
    from bootdiag.core.files import TEXT_LIMIT, read_regular_text
    from bootdiag.core.structured import TooDeep, load_toml

    text = read_regular_text(path, TEXT_LIMIT, "rule", RuleError, errors="strict")
    try:
        return load_toml(text)
    except TooDeep as exc:
        raise RuleError(f"{path}: {exc}") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise RuleError(f"{path}: not valid TOML: {exc}") from None


def _tables(path: Path | str, data: dict[str, Any], key: str, errors: list[str]) -> list[Any]:
    tables = data.get(key, [])
    if not isinstance(tables, list):
        errors.append(f"{path}: {key!r} must be an array of tables ([[{key}]])")
        return []
    return tables


def _valid(path: Path | str, raw: Any, i: int, name_key: str, model: type[Any], errors: list[str]) -> Any | None:
    from pydantic import ValidationError

    name = raw.get(name_key, f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
    name = name if isinstance(name, str) and len(name) <= 80 else f"#{i + 1}"
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors.extend(f"{path}: {name_key} {name}: {_location(e['loc'])}: {e['msg']}" for e in exc.errors())
        return None


def _checked(path: Path | str, rule: Rule, label: str, errors: list[str]) -> Rule | None:
    from bootdiag.core.rules.validate import rule_errors

    found = rule_errors(rule)
    errors.extend(f"{path}: {label}: {message}" for message in found)
    return None if found else rule


def rules_in(path: Path, errors: list[str]) -> list[Rule]:
    """The valid rules of one file; the mistakes go to ``errors`` as ``file: rule ID: field: message``."""
    try:
        data = _read(path)
    except RuleError as exc:
        errors.append(str(exc))
        return []
    return rules_from_table(data, str(path), errors)


def rules_from_table(data: dict[str, Any], path: str, errors: list[str]) -> list[Rule]:
    """The valid rules of a rules file's parsed table; mistakes go to ``errors``, nothing raises."""
    unknown = sorted(set(data) - {"rule", "prediction"})
    if unknown:
        errors.append(f"{path}: unknown top-level key {unknown[0]!r} (rules go in [[rule]] tables, predictions in [[prediction]])")
    rules = []
    for i, raw in enumerate(_tables(path, data, "rule", errors)):
        rule = _valid(path, raw, i, "id", Rule, errors)
        if rule is not None and _checked(path, rule, f"rule {rule.id}", errors) is not None:
            rules.append(rule)
    return rules


def predictions_in(path: Path, causes: dict[str, Rule], errors: list[str]) -> list[Rule]:
    """The valid predictions of one file, each as a rule under its cause's id."""
    found = []
    try:
        data = _read(path)
    except RuleError as exc:
        errors.append(str(exc))
        return []
    for i, raw in enumerate(_tables(path, data, "prediction", errors)):
        prediction = _valid(path, raw, i, "cause", Prediction, errors)
        if prediction is None:
            continue
        cause = causes.get(prediction.cause)
        if cause is None:
            errors.append(f"{path}: prediction {prediction.cause}: cause: no rule has this id (`bootdiag rules` lists them)")
            continue
        rule = _checked(path, prediction.as_rule(cause), f"prediction {prediction.cause}", errors)
        if rule is not None:
            found.append(rule)
    return found


def _raise(errors: list[str]) -> None:
    if len(errors) == 1:
        raise RuleError(errors[0])
    raise RuleError(f"{len(errors)} mistakes in the rules:\n  " + "\n  ".join(errors))


def load_rule_file(path: Path) -> list[Rule]:
    errors: list[str] = []
    rules = rules_in(path, errors)
    if errors:
        _raise(errors)
    return rules


def rule_files(extra: Iterable[str | Path] = (), errors: list[str] | None = None) -> list[Path]:
    """The registered platforms' rule files, then ``extra`` files and directories (``*.toml``).

    An extra file named as a shipped one (``--rules rules/tegra.toml`` from a checkout) takes its
    place: it is that file, edited. A name that is neither a file nor a directory is a mistake: it
    goes to ``errors`` when given, else it raises. Anything in a directory that is not a regular
    file (a FIFO, a link to a device) is left to the reader, which says what it is."""
    files = registry.rule_files()
    shipped = {f.name: i for i, f in enumerate(files)}

    def add(path: Path) -> None:
        if path.name in shipped:
            files[shipped[path.name]] = path
        else:
            files.append(path)

    for item in extra:
        p = Path(item)
        if p.is_dir():
            for found in sorted(p.glob("*.toml")):
                add(found)
        elif p.exists():
            add(p)
        else:
            message = f"{p}: no such rule file or directory"
            if errors is None:
                raise RuleError(message)
            errors.append(message)
    return files


def load_rules(extra: Iterable[str | Path] = ()) -> list[Rule]:
    """The shipped rules plus any extra files or directories; ids must be unique. Every mistake in
    every file is reported at once."""
    rules: list[Rule] = []
    errors: list[str] = []
    seen: dict[str, Path] = {}
    for path in rule_files(extra, errors):
        for rule in rules_in(path, errors):
            if rule.id in seen:
                errors.append(f"{path}: rule {rule.id}: id already defined in {seen[rule.id]}")
                continue
            seen[rule.id] = path
            rules.append(rule)
    for rule in rules:
        for target in rule.supersedes:
            if target not in seen:
                errors.append(f"{seen[rule.id]}: rule {rule.id}: supersedes: unknown rule {target!r}")
    if errors:
        _raise(errors)
    return rules


def load_predictions(extra: Iterable[str | Path] = ()) -> list[Rule]:
    """The failures a build check can foresee (``[[prediction]]`` tables of the shipped rule files and
    of ``extra``), each a rule under the id of the rule that explains the same failure from a log."""
    causes = {rule.id: rule for rule in load_rules(extra)}
    errors: list[str] = []
    predictions = [p for path in rule_files(extra) for p in predictions_in(path, causes, errors)]
    if errors:
        _raise(errors)
    return predictions
