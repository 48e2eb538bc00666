"""Typed records that cost nothing to import: events, rules and the report on the run-time path.

A record class declares its fields as a pydantic model would (annotations, defaults, :func:`field`
for a factory, an alias or an exclusion) and keeps the parts of pydantic's API the code uses
(``model_fields``, ``model_construct``, ``model_validate``, ``model_dump``, ``model_dump_json``,
``model_json_schema``). Making one from values it already trusts (a parser's, a validated rule's)
is filling a dict; validation, the JSON schema and reading outside data go through a pydantic
model built on first need from the same annotations (:meth:`Record.pydantic_model`), so a command
that only reads a log never imports pydantic. Calling the class itself validates, as pydantic does.
"""
from __future__ import annotations

import math
import sys
import types
import typing
from collections.abc import Callable
from importlib import import_module
from typing import Any, ClassVar, Self, TypeVar

_MISSING: Any = object()
_new = object.__new__
_set = object.__setattr__
_MUTABLE = (list, dict, set)


class FieldSpec:
    """One field: its default (or factory), how JSON names it, when it is left out, and what
    validation checks besides its type (pydantic ``Field`` constraints such as ``pattern``)."""

    __slots__ = ("name", "raw", "module", "default", "default_factory", "alias", "exclude", "exclude_if",
                 "check", "constraints", "_annotation")

    def __init__(self, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None, alias: str | None = None,
                 exclude: bool = False, exclude_if: Callable[[Any], bool] | None = None,
                 check: Callable[[Any], Any] | None = None, **constraints: Any) -> None:
        self.name = ""
        self.raw: Any = None  # the annotation as written (text under ``from __future__ import annotations``)
        self.module = ""  # where the annotation is read
        self.default = default
        self.default_factory = default_factory
        self.alias = alias
        self.exclude = exclude
        self.exclude_if = exclude_if
        self.check = check
        self.constraints = constraints
        self._annotation: Any = _MISSING

    def declared(self, name: str, raw: Any, module: str) -> FieldSpec:
        # made anew rather than copied: a few hundred fields are declared at every start
        spec = FieldSpec(self.default, self.default_factory, self.alias, self.exclude, self.exclude_if, self.check,
                         **self.constraints)
        spec.name, spec.raw, spec.module = name, raw, module
        return spec

    def is_required(self) -> bool:
        return self.default is _MISSING and self.default_factory is None

    @property
    def annotation(self) -> Any:
        """The field's type, resolved on first use (names a module imports only for type checking
        are found through its classes' ``deferred_types``)."""
        if self._annotation is _MISSING:
            self._annotation = _resolve(self.raw, self.module)
        return self._annotation

    def __repr__(self) -> str:
        return f"FieldSpec({self.name!r}, {self.raw!r}, required={self.is_required()})"


def field(default: Any = _MISSING, *, default_factory: Callable[[], Any] | None = None, alias: str | None = None,
          exclude: bool = False, exclude_if: Callable[[Any], bool] | None = None,
          check: Callable[[Any], Any] | None = None, **constraints: Any) -> Any:
    """A field with more than a plain default. ``exclude`` leaves it out of every dump,
    ``exclude_if(value)`` when true; ``check(value)`` raises ``ValueError`` for a value validation
    refuses (it sees the field as a record); ``constraints`` are pydantic ``Field`` arguments."""
    return FieldSpec(default, default_factory, alias, exclude, exclude_if, check, **constraints)


_DEFERRED: dict[str, dict[str, str]] = {}  # module -> name -> "module:attribute", see Record.deferred_types


def _resolve(raw: Any, module: str) -> Any:
    if not isinstance(raw, str):
        return raw
    namespace = dict(vars(sys.modules[module]))
    for name, reference in _DEFERRED.get(module, {}).items():
        if name not in namespace:
            where, _, attribute = reference.partition(":")
            namespace[name] = getattr(import_module(where), attribute)
    return eval(raw, namespace)  # noqa: S307 - the annotation text of our own class


def _is_classvar(raw: Any) -> bool:
    if isinstance(raw, str):
        return raw.startswith(("ClassVar", "typing.ClassVar"))
    return raw is ClassVar or typing.get_origin(raw) is ClassVar


class _Plan:
    """How to make an instance from given values: the fields in order with their defaults, the
    required ones, and the defaults that must be made afresh for each instance."""

    __slots__ = ("template", "size", "required", "fresh")

    def __init__(self, fields: dict[str, FieldSpec]) -> None:
        self.template = {}
        required, fresh = [], []
        for name, spec in fields.items():
            if spec.default_factory is not None:
                fresh.append((name, spec.default_factory))
                self.template[name] = _MISSING
            elif spec.default is _MISSING:
                required.append(name)
                self.template[name] = _MISSING
            else:
                if isinstance(spec.default, _MUTABLE):
                    fresh.append((name, spec.default.copy))  # a shallow copy each time, as copy.copy makes
                self.template[name] = spec.default
        self.size = len(fields)
        self.required = tuple(required)
        self.fresh = tuple(fresh)


class _ModelFields:
    """``cls.model_fields``: the fields by name, as on a pydantic model class."""

    def __get__(self, obj: Any, cls: type[Record]) -> dict[str, FieldSpec]:
        return cls.__record_fields__


class Record:
    """Base of every record class. Class keywords, inherited by subclasses: ``frozen``, ``extra``
    (``"forbid"`` or ``"ignore"``, for validation), ``populate_by_name``, and ``check``: a function
    of a validated record that raises ``ValueError`` for one validation must refuse as a whole."""

    __record_fields__: ClassVar[dict[str, FieldSpec]] = {}
    __record_config__: ClassVar[dict[str, Any]] = {"frozen": False, "extra": "ignore", "populate_by_name": False, "check": None}
    # Names the annotations of a module use that it imports only for type checking (an import that
    # would cost start-up time): name -> "module:attribute", resolved when a model is built.
    deferred_types: ClassVar[dict[str, str]] = {}
    model_fields = _ModelFields()

    def __init_subclass__(cls, frozen: bool | None = None, extra: str | None = None, populate_by_name: bool | None = None,
                          check: Callable[[Any], None] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        config = dict(cls.__record_config__)
        for key, value in (("frozen", frozen), ("extra", extra), ("populate_by_name", populate_by_name), ("check", check)):
            if value is not None:
                config[key] = value
        cls.__record_config__ = config
        fields = dict(cls.__record_fields__)  # the base's, in its order; a redeclared field keeps its place
        for name, raw in cls.__dict__.get("__annotations__", {}).items():
            if _is_classvar(raw):
                continue
            value = cls.__dict__.get(name, _MISSING)
            if isinstance(value, FieldSpec):
                spec = value
                if value.default is _MISSING:
                    delattr(cls, name)
                else:
                    setattr(cls, name, value.default)
            else:
                spec = FieldSpec(value)
            fields[name] = spec.declared(name, raw, cls.__module__)
        cls.__record_fields__ = fields
        if cls.deferred_types:
            _DEFERRED.setdefault(cls.__module__, {}).update(cls.deferred_types)
        if config["frozen"]:
            cls.__setattr__ = Record._refuse  # type: ignore[method-assign]
            cls.__delattr__ = Record._refuse  # type: ignore[method-assign]
            cls.__hash__ = Record._hash  # type: ignore[method-assign]

    # ------------------------------------------------------------------ making instances
    def __init__(self, **values: Any) -> None:
        """Validated, as a pydantic model's constructor validates."""
        _set(self, "__dict__", type(self).model_validate(values).__dict__)

    @classmethod
    def _plan(cls) -> _Plan:
        plan = cls.__dict__.get("_record_plan")
        if plan is None:
            plan = _Plan(cls.__record_fields__)
            type.__setattr__(cls, "_record_plan", plan)
        return plan

    @classmethod
    def model_construct(cls, **values: Any) -> Self:
        """An instance holding ``values`` as they are (they must already have their fields' types),
        with the defaults filled in; an unknown or missing field is a ``TypeError``."""
        plan = cls._plan()
        data = {**plan.template, **values}
        if len(data) != plan.size:
            unknown = sorted(set(values) - set(plan.template))
            raise TypeError(f"{cls.__name__} has no field {unknown[0]!r}")
        for name in plan.required:
            if data[name] is _MISSING:
                raise TypeError(f"{cls.__name__}: no value for required field {name!r}")
        for name, make in plan.fresh:
            if name not in values:
                data[name] = make()
        return _assemble(cls, data)

    # ------------------------------------------------------------------ pydantic, on first need
    @classmethod
    def pydantic_model(cls) -> Any:
        """The pydantic model of this class: same fields, types, defaults, aliases and checks."""
        model = cls.__dict__.get("_pydantic_model")
        if model is None:
            model = _model_of(cls)
            type.__setattr__(cls, "_pydantic_model", model)
        return model

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """``data`` validated by the class's pydantic model (raises pydantic's ``ValidationError``)."""
        if isinstance(data, cls):
            return data
        return from_model(cls.pydantic_model().model_validate(data))

    @classmethod
    def model_json_schema(cls, by_alias: bool = True, mode: str = "validation") -> dict[str, Any]:
        return cls.pydantic_model().model_json_schema(by_alias=by_alias, mode=mode)

    # ------------------------------------------------------------------ output
    def model_dump(self, mode: str = "python", by_alias: bool = False) -> dict[str, Any]:
        """The fields as a dict, as pydantic's ``model_dump`` gives them (``mode="json"``: only
        JSON types)."""
        json_mode = mode == "json"
        values = self.__dict__
        out: dict[str, Any] = {}
        for name, spec in type(self).__record_fields__.items():
            value = values[name]
            if spec.exclude or (spec.exclude_if is not None and spec.exclude_if(value)):
                continue
            out[spec.alias if by_alias and spec.alias else name] = _dumped(value, json_mode, by_alias)
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)

    def model_dump_json(self) -> str:
        """Compact JSON as pydantic writes it (its number format included)."""
        import json

        data = self.model_dump(mode="json")
        if _has_float(data):
            return _json_with_floats(data)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    # ------------------------------------------------------------------ comparison and display
    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        mine, theirs = self.__dict__, other.__dict__  # type: ignore[union-attr]
        return all(mine.get(n, _MISSING) == theirs.get(n, _MISSING) for n in type(self).__record_fields__)

    __hash__ = None  # type: ignore[assignment]  # frozen classes get _hash

    def _hash(self) -> int:
        return hash((type(self), *(self.__dict__[n] for n in type(self).__record_fields__)))

    def _refuse(self, name: str, *args: Any) -> None:
        raise TypeError(f"{type(self).__name__} is immutable: {name!r} cannot be changed")

    def __repr__(self) -> str:
        values = self.__dict__
        return f"{type(self).__name__}({', '.join(f'{n}={values.get(n)!r}' for n in type(self).__record_fields__)})"

    def __str__(self) -> str:
        values = self.__dict__
        return " ".join(f"{n}={values.get(n)!r}" for n in type(self).__record_fields__)


R = TypeVar("R", bound=Record)


def _assemble(cls: type[R], data: dict[str, Any]) -> R:
    """An instance of ``cls`` holding ``data`` as its fields (no checks)."""
    record = _new(cls)
    _set(record, "__dict__", data)
    return record


def _dumped(value: Any, json_mode: bool, by_alias: bool) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    if isinstance(value, Record):
        return value.model_dump("json" if json_mode else "python", by_alias)
    if isinstance(value, list):
        return [_dumped(v, json_mode, by_alias) for v in value]
    if isinstance(value, dict):
        return {k: _dumped(v, json_mode, by_alias) for k, v in value.items()}
    if isinstance(value, tuple):
        items = [_dumped(v, json_mode, by_alias) for v in value]
        return items if json_mode else tuple(items)
    if isinstance(value, (set, frozenset)):
        items = [_dumped(v, json_mode, by_alias) for v in value]
        return items if json_mode else type(value)(items)
    dump = getattr(value, "model_dump", None)  # a pydantic model inside a record (a verifier's report)
    if dump is not None:
        return dump(mode="json" if json_mode else "python", by_alias=by_alias)
    return value


def json_number(value: float) -> str:
    """A float as pydantic's JSON writes it: Python's shortest digits, but ``0.00001`` where Python
    writes ``1e-05``, ``1e-6`` for ``1e-06``, and ``null`` for an infinity or NaN."""
    if not math.isfinite(value):
        return "null"
    text = repr(value)
    digits, _, exponent = text.partition("e")
    power = int(exponent or 0)
    if power >= 0:
        return text
    if power == -5:
        return ("-" if value < 0 else "") + "0.0000" + digits.lstrip("-").replace(".", "")
    return f"{digits}e-{-power}"


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_float(v) for v in value)
    return False


def _json_with_floats(value: Any) -> str:
    import json

    if isinstance(value, float):
        return json_number(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{_json_with_floats(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_with_floats(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------------- the pydantic side
def _model_of(cls: type[Record]) -> Any:
    from pydantic import ConfigDict, Field, create_model, field_validator, model_validator

    config = cls.__record_config__
    fields: dict[str, Any] = {}
    validators: dict[str, Any] = {}
    for name, spec in cls.__record_fields__.items():
        options: dict[str, Any] = dict(spec.constraints)
        if spec.default_factory is not None:
            options["default_factory"] = spec.default_factory
        elif not spec.is_required():
            options["default"] = spec.default
        if spec.alias:
            options["alias"] = spec.alias
        if spec.exclude:
            options["exclude"] = True
        if spec.exclude_if is not None:
            options["exclude_if"] = spec.exclude_if
        fields[name] = (_modelled(spec.annotation), Field(**options))
        if spec.check is not None:
            validators[f"_check_{name}"] = field_validator(name)(_field_check(spec.check))
    if config["check"] is not None:
        validators["_check"] = model_validator(mode="after")(_model_check(config["check"]))
    model = create_model(  # type: ignore[call-overload]
        cls.__name__, __config__=ConfigDict(
            frozen=config["frozen"], extra=config["extra"], populate_by_name=config["populate_by_name"],
            from_attributes=True,  # a record given where one is expected (``Rule(when=a_when)``)
            defer_build=True,
        ),
        __doc__=cls.__doc__, __module__=cls.__module__, __validators__=validators, **fields,
    )
    model.__record__ = cls
    return model


def _field_check(check: Any) -> Any:
    def run(_cls: Any, value: Any) -> Any:
        check(from_model(value))
        return value

    return classmethod(run)


def _model_check(check: Any) -> Any:
    def run(model: Any) -> Any:
        check(from_model(model))
        return model

    return run


def _modelled(annotation: Any) -> Any:
    """``annotation`` with every record class in it replaced by its pydantic model."""
    if isinstance(annotation, type) and issubclass(annotation, Record):
        return annotation.pydantic_model()
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if not args or origin is typing.Literal:
        return annotation
    inner = tuple(_modelled(a) for a in args)
    if inner == args:
        return annotation
    if origin in (typing.Union, types.UnionType):
        return typing.Union[inner]  # type: ignore[valid-type]
    return origin[inner]


def from_model(value: Any) -> Any:
    """A value validated by pydantic with each model of a record class turned into that record."""
    record = getattr(type(value), "__record__", None)
    if record is not None:
        return _assemble(record, {name: from_model(getattr(value, name)) for name in record.__record_fields__})
    if isinstance(value, list):
        return [from_model(v) for v in value]
    if isinstance(value, dict):
        return {k: from_model(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(from_model(v) for v in value)
    return value


__all__ = ["FieldSpec", "Record", "field", "from_model", "json_number"]
