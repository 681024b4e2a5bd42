"""The base of every typed event: classes validated and serialised by pydantic-core.

Why not ``pydantic.BaseModel``: defining and first validating one imports ``pydantic.fields``,
``pydantic.types``, ``annotated_types`` and the plugin loader (``importlib.metadata``), then builds
schemas in Python. On a Lambda cold start that costs half as much again as importing pydantic
itself, before a line of ours runs (``make bench``). These models hand pydantic-core, the engine
BaseModel runs on, a core schema made from the class annotations, once, the first time a class is
used. Coercions, errors and messages are therefore pydantic's own; the API is the part of
BaseModel's that events need (``model_validate``, ``model_dump``, ``model_fields``,
``model_fields_set``, ``model_extra``, validated assignment), and the classes work as field types
in users' own pydantic models through ``__get_pydantic_core_schema__``. What these models rely on
in pydantic-core beyond its schema builders (how its model validator fills an instance) is in
``_core_contract``, and used only through it.

Snake_case in Python, Cognito's camelCase on the wire, unknown keys kept, assignments validated.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from copy import deepcopy
from functools import partial
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    TypeVar,
    Union,
    dataclass_transform,
    get_args,
    get_origin,
    get_type_hints,
    overload,
)

from pydantic_core import core_schema as cs

from . import _core_contract as core

__all__ = [
    "CognitoField",
    "CognitoModel",
    "SecretStr",
    "UnknownKey",
    "WithSchema",
    "changes_from",
    "field",
    "to_camel",
    "unknown_keys",
]

_T = TypeVar("_T")
_NO_DEFAULT: Any = object()
_EMPTY: dict[str, Any] = {}
# Schemas are made with pydantic-core's typed builders, so a key the engine renames or drops is a
# type error here rather than an option silently ignored (pydantic_core imports them anyway).
CoreSchema = cs.CoreSchema


def to_camel(name: str) -> str:
    """``user_pool_id`` -> ``userPoolId``: how Cognito spells every key."""
    first, *rest = name.split("_")
    return first + "".join(word.capitalize() for word in rest)


class CognitoField:
    """What a model knows about one field: ``Model.model_fields[name]``, answering as pydantic's
    ``FieldInfo`` does for what the two share."""

    # Plain classes here and below: a NamedTuple costs a cold start a tenth of a millisecond.
    __slots__ = ("alias", "annotation", "default", "default_factory")

    def __init__(
        self,
        annotation: Any,
        alias: str,
        default: Any = _NO_DEFAULT,
        default_factory: Callable[[], Any] | None = None,
    ) -> None:
        self.annotation = annotation
        self.alias = alias
        """The key on the wire (camelCase)."""
        self.default = default
        self.default_factory = default_factory

    def is_required(self) -> bool:
        """Whether validation fails without this key (no default, no default factory)."""
        return self.default is _NO_DEFAULT and self.default_factory is None

    def __repr__(self) -> str:
        return f"CognitoField({self.annotation!r}, alias={self.alias!r})"


class _FieldSpec:
    __slots__ = ("default", "default_factory", "json_name")

    def __init__(
        self, default: Any, default_factory: Callable[[], Any] | None, json_name: str | None
    ) -> None:
        self.default = default
        self.default_factory = default_factory
        self.json_name = json_name


@overload
def field(*, default_factory: Callable[[], _T], json_name: str | None = None) -> _T: ...
@overload
def field(default: _T, *, json_name: str | None = None) -> _T: ...
def field(
    default: Any = _NO_DEFAULT,
    *,
    default_factory: Callable[[], Any] | None = None,
    json_name: str | None = None,
) -> Any:
    """A field with a default made fresh for each event, or a key that is not the camelCase of
    its name (``field(default=None, json_name="enableSMSMFA")``)."""
    return _FieldSpec(default, default_factory, json_name)


class WithSchema:
    """``Annotated`` metadata: validate with this core schema rather than the one the type implies
    (for what a plain type cannot say, such as "a string, or a JSON scalar read as one")."""

    __slots__ = ("schema",)

    def __init__(self, schema: CoreSchema) -> None:
        self.schema = schema


class SecretStr:
    """A string that shows as ``'**********'`` in ``repr``, ``str`` and any log.

    Passwords, challenge answers and codes arrive as this; ``get_secret_value()`` reads them. Not
    pydantic's class (importing pydantic's types would cost a cold start), but the same API for
    what it has: ``get_secret_value``, the masked ``str`` and ``repr``, ``len``, equal to a
    ``SecretStr`` of the same value. Compared with a ``str`` it raises ``TypeError``, where
    pydantic's answers ``False``: ``event.request.challenge_answer == expected`` would fail every
    sign-in silently.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "SecretStr('**********')" if self._value else "SecretStr('')"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):  # also for `text == secret`: str answers NotImplemented
            raise TypeError(
                "a SecretStr is never equal to a str: compare its get_secret_value() (with "
                "hmac.compare_digest for an answer or a code)"
            )
        if not isinstance(other, SecretStr):
            return NotImplemented
        return other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)


_SECRET_SCHEMA: CoreSchema = cs.union_schema(
    [
        cs.is_instance_schema(SecretStr),
        cs.no_info_after_validator_function(SecretStr, cs.str_schema()),
    ],
    mode="left_to_right",
    custom_error_type="string_type",
    # Dumped as the object itself in Python and masked in JSON, as pydantic's SecretStr is:
    # revealing takes a deliberate call.
    serialization=cs.plain_serializer_function_ser_schema(str, when_used="json"),
    metadata=core.json_schema_updates({"format": "password", "writeOnly": True}),
)
_SCALARS: dict[Any, CoreSchema] = {
    str: cs.str_schema(),
    bool: cs.bool_schema(),
    int: cs.int_schema(),
    float: cs.float_schema(),
    Any: cs.any_schema(),
    SecretStr: _SECRET_SCHEMA,
}


def _core_schema(annotation: Any, owner: type) -> CoreSchema:
    """The core schema pydantic would make for ``annotation``, for the types events use."""
    scalar = _SCALARS.get(annotation)
    if scalar is not None:
        return scalar
    if isinstance(annotation, type) and issubclass(annotation, CognitoModel):
        return annotation._core().schema
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        chosen = [meta.schema for meta in args[1:] if isinstance(meta, WithSchema)]
        return chosen[-1] if chosen else _core_schema(args[0], owner)
    if origin is Union or origin is types.UnionType:
        choices = [_core_schema(arg, owner) for arg in args if arg is not type(None)]
        schema = choices[0] if len(choices) == 1 else cs.union_schema(list(choices))
        return cs.nullable_schema(schema) if type(None) in args else schema
    if origin is list:
        return cs.list_schema(_core_schema(args[0], owner))
    if origin is dict:
        keys, values = (_core_schema(arg, owner) for arg in args)
        return cs.dict_schema(keys, values)
    if origin is Literal:
        return cs.literal_schema(list(args))
    raise TypeError(f"{owner.__name__}: no schema for fields of type {annotation!r}")


def _field_schema(info: CognitoField, owner: type) -> cs.ModelField:
    schema = _core_schema(info.annotation, owner)
    if info.default_factory is not None:
        schema = cs.with_default_schema(schema, default_factory=info.default_factory)
    elif info.default is not _NO_DEFAULT:
        schema = cs.with_default_schema(schema, default=info.default)
    return cs.model_field(schema, validation_alias=info.alias, serialization_alias=info.alias)


def _plain(value: Any) -> Any:
    # What the serializer gives in Python mode for the values models hold: models as dicts of
    # the fields set, containers copied, the rest (SecretStr included) as itself.
    if isinstance(value, CognitoModel):
        return value._dump_set()
    if type(value) is list:
        return [_plain(item) for item in value]
    if type(value) is dict:
        return {key: _plain(item) for key, item in value.items()}
    return value


def _is_shared_default(default: Any) -> bool:
    # Hashable defaults (None, str, bool, numbers) can be shared between instances.
    if default is _NO_DEFAULT:
        return False
    try:
        hash(default)
    except TypeError:
        return False
    return True


def _default_factories(fields: dict[str, CognitoField]) -> Iterator[tuple[str, Callable[[], Any]]]:
    for name, info in fields.items():
        if info.default_factory is not None:
            yield name, info.default_factory
        elif info.default is not _NO_DEFAULT and not _is_shared_default(info.default):
            # A mutable default is copied for each instance, as pydantic-core does in validation.
            yield name, partial(deepcopy, info.default)


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, CognitoModel)


def _holds_models(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is list or origin is dict:
        return any(_is_model(arg) or _holds_models(arg) for arg in get_args(annotation))
    return origin is not None and any(_holds_models(arg) for arg in get_args(annotation))


def _model_in(annotation: Any) -> type[CognitoModel] | None:
    # The model a field holds: ``Part``, ``Part | None``, ``list[Part]``; None for anything else
    # (scalars and maps, whose keys are data).
    if _is_model(annotation):
        model: type[CognitoModel] = annotation
        return model
    origin = get_origin(annotation)
    if origin is list or origin is Union or origin is types.UnionType:
        return next(filter(None, map(_model_in, get_args(annotation))), None)
    return None


KeyTree = dict[str, "KeyTree | None"]
"""Wire name -> the keys of the model it holds, or None where the keys are data (maps)."""


def _key_tree(fields: dict[str, CognitoField]) -> KeyTree:
    tree: KeyTree = {}
    for info in fields.values():
        model = _model_in(info.annotation)
        tree[info.alias] = model._core().known if model is not None else None
    return tree


UnknownKey = tuple[str, str, tuple[str, ...]]
"""Where an unknown key is (the path of the model holding it, ``""`` at the top), the key, and the
keys that model declares."""


def _find_unknown_keys(
    dumped: dict[str, Any], received: Any, known: KeyTree, path: str, found: list[UnknownKey]
) -> None:
    # Walks a dump (plain dicts, cheaper than the models) beside what was received.
    before = received if type(received) is dict else _EMPTY
    for key, value in dumped.items():
        inner = known.get(key, _NO_DEFAULT)
        if inner is _NO_DEFAULT:
            if key not in before:
                found.append((path.rstrip("."), key, tuple(known)))
        elif inner is not None and type(value) is dict:
            _find_unknown_keys(value, before.get(key), inner, f"{path}{key}.", found)
        elif inner is not None and type(value) is list:
            items = before.get(key)
            items = items if type(items) is list else []
            for index, item in enumerate(value):
                if type(item) is dict:
                    earlier = items[index] if index < len(items) else None
                    _find_unknown_keys(item, earlier, inner, f"{path}{key}[{index}].", found)


def _may_be_coerced(received: Any, value: Any) -> bool:
    """Whether a received value that differs from the field's may still be the same once
    validated: validation keeps ``None`` and keeps a scalar's type unless it coerced it (``"false"``
    to ``False``); containers may hold coerced values anywhere. Spares the common case, a field
    the handler really changed, a second validation."""
    if received is None or received is _NO_DEFAULT:
        return False
    return type(received) is not type(value) or type(received) in (dict, list)


class _Core:
    """A model class's fields and the pydantic-core objects made from them."""

    __slots__ = ("by_alias", "defaults", "engine", "factories", "fields", "holding_models", "known")

    def __init__(self, fields: dict[str, CognitoField], engine: core.Engine) -> None:
        self.fields = fields
        self.by_alias = {info.alias: name for name, info in fields.items()}
        self.holding_models = frozenset(
            name for name, info in fields.items() if _holds_models(info.annotation)
        )
        """Fields whose containers may hold models (``list[ChallengeResult]``)."""
        self.known: KeyTree = _key_tree(fields)
        """Every key this model and the models inside it declare, by wire name."""
        self.defaults = {n: i.default for n, i in fields.items() if _is_shared_default(i.default)}
        self.factories = tuple(_default_factories(fields))
        self.engine = engine

    @property
    def schema(self) -> CoreSchema:
        return self.engine.schema


class _ModelFields:
    # ``Model.model_fields`` as in pydantic, without a metaclass: a descriptor on the base.
    def __get__(self, instance: object, owner: type[CognitoModel]) -> dict[str, CognitoField]:
        return owner._core().fields


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
class CognitoModel(core.Instance):
    """Base of every model: snake_case in Python, Cognito's camelCase on the wire, extras kept."""

    __slots__ = ()

    model_fields: ClassVar[dict[str, CognitoField]] = _ModelFields()  # type: ignore[assignment]
    model_config: ClassVar[dict[str, Any]] = {}
    """Read by pydantic's JSON Schema generator when a model is used through pydantic."""
    _hidden_fields: ClassVar[frozenset[str]] = frozenset()
    """Fields whose values ``repr`` and :func:`~cognito_triggers.redact_event` never show: plain
    strings that may hold a secret or personal data (maps and ``SecretStr`` are hidden by type).
    Inherited: a subclass that declares such a field again keeps it hidden."""
    _cognito_core: ClassVar[_Core | None] = None

    def __init_subclass__(cls, **keywords: Any) -> None:
        # These models look like pydantic's but are not: a pydantic idiom that would be ignored
        # here fails where the class is defined, instead of silently at run time.
        if keywords:
            raise TypeError(
                f"{cls.__name__}: class keywords ({', '.join(keywords)}) are pydantic "
                "configuration, which cognito-triggers models do not take"
            )
        super().__init_subclass__()
        for name, value in cls.__dict__.items():
            module = type(value).__module__
            if module == "pydantic" or module.startswith("pydantic."):
                raise TypeError(
                    f"{cls.__name__}.{name} is pydantic's (Field(), a validator or a computed "
                    "field), which cognito-triggers models would ignore: use "
                    "cognito_triggers.events.model.field(default=..., default_factory=..., "
                    "json_name=...), and check values in the handler"
                )
        if cls.__dict__.get("model_config"):
            raise TypeError(
                f"{cls.__name__}.model_config is pydantic configuration, which "
                "cognito-triggers models do not take"
            )

    @classmethod
    def _core(cls) -> _Core:
        # Built on first use, per class (never inherited: a subclass has fields of its own).
        core: _Core | None = cls.__dict__.get("_cognito_core")
        return core if core is not None else cls._build_core()

    @classmethod
    def _build_core(cls) -> _Core:
        fields: dict[str, CognitoField] = {}
        hints = get_type_hints(cls, include_extras=True)
        for name, annotation in hints.items():
            if name.startswith("_") or get_origin(annotation) is ClassVar:
                continue
            # The default of the class that declares the field last: a subclass that declares
            # it again without one makes it required, as in pydantic.
            owner = next(c for c in cls.__mro__ if name in inspect.get_annotations(c))
            spec = owner.__dict__.get(name, _NO_DEFAULT)
            if isinstance(spec, _FieldSpec):
                alias = spec.json_name or to_camel(name)
                fields[name] = CognitoField(annotation, alias, spec.default, spec.default_factory)
            else:
                fields[name] = CognitoField(annotation, to_camel(name), spec)
        built = _Core(
            fields,
            core.engine(cls, {name: _field_schema(info, cls) for name, info in fields.items()}),
        )
        cls._cognito_core = built
        return built

    def __init__(self, **data: Any) -> None:
        core.validate_into(type(self)._core().engine.validator, data, self)

    @classmethod
    def model_validate(cls, data: Any) -> Self:
        """Validate a dict (camelCase or snake_case keys) into this model."""
        built: _Core | None = cls.__dict__.get("_cognito_core")
        validator = (built if built is not None else cls._build_core()).engine.validator
        model: Self = validator.validate_python(data)
        return model

    @classmethod
    def model_construct(cls, **values: Any) -> Self:
        """An instance of trusted values, not validated (as in pydantic): keys by field name or
        wire name, unknown keys kept as extras, defaults for the fields not given; only the
        given fields count as set."""
        built: _Core | None = cls.__dict__.get("_cognito_core")
        if built is None:
            built = cls._build_core()
        data = built.defaults.copy()
        for made, factory in built.factories:
            data[made] = factory()
        fields_set: set[str] = set()
        extra: dict[str, Any] = {}
        for key, value in values.items():
            name = key if key in built.fields else built.by_alias.get(key)
            if name is None:
                extra[key] = value
            else:
                data[name] = value
                fields_set.add(name)
        model = object.__new__(cls)
        core.fill(model, data, extra, fields_set)  # no validation: helpers build parts per event
        return model

    def _put(self, name: str, value: Any) -> None:
        # For the package's own writes of values it built and knows valid (an empty container
        # for a helper to fill): validated assignment would cost more than the rest of the helper.
        core.values(self)[name] = value
        self.model_fields_set.add(name)

    def model_dump(
        self,
        *,
        mode: Literal["python", "json"] = "python",
        exclude_unset: bool = False,
        exclude_none: bool = False,
        by_alias: bool = True,
    ) -> dict[str, Any]:
        """The model as a dict, camelCase keys by default, extras included."""
        serializer = type(self)._core().engine.serializer
        dumped: dict[str, Any] = serializer.to_python(
            self, mode=mode, exclude_unset=exclude_unset, exclude_none=exclude_none,
            by_alias=by_alias,
        )  # fmt: skip
        return dumped

    def _dumped(self, built: _Core, name: str) -> Any:
        # A field's value as model_dump(exclude_unset=True) would give it. Anything but a model
        # (scalars, attribute maps, claims, lists of str) dumps as itself.
        value = core.values(self)[name]
        if isinstance(value, CognitoModel) or name in built.holding_models:
            return _plain(value)
        return value

    def _dump_set(self) -> dict[str, Any]:
        """``model_dump(exclude_unset=True)`` without the serializer, for the models an event's
        response holds (pre token generation's claims, challenge results). pydantic-core's first
        dump imports uuid, ipaddress, pathlib and urllib for its type lookup, a few milliseconds
        of every cold start; nothing a response holds needs them. A test holds the two equal."""
        fields_set = self.model_fields_set
        values = core.values(self)
        dumped = {
            info.alias: _plain(values[name])
            for name, info in type(self)._core().fields.items()
            if name in fields_set
        }
        for key, value in (self.model_extra or {}).items():
            dumped[key] = _plain(value)
        return dumped

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> CoreSchema:
        # Lets an event or a part of one be a field of a user's own pydantic model.
        return cls._core().engine.schema

    @classmethod
    def model_json_schema(cls) -> dict[str, Any]:
        """The JSON Schema of the wire format (camelCase), made by pydantic, imported only now."""
        from pydantic import TypeAdapter

        schema: dict[str, Any] = TypeAdapter(cls).json_schema(by_alias=True)
        return schema

    if not TYPE_CHECKING:  # hidden from mypy, which would then accept any misspelt name

        def __setattr__(self, name: str, value: Any) -> None:
            # Every assignment is validated, and a name that is not a field is refused.
            if name.startswith("_"):
                self._set_private_name(name, value)
                return
            built = type(self)._core()
            if name not in built.fields:
                self._refuse_unknown(name, built)
            core.assign(built.engine.validator, self, name, value)

    def _set_private_name(self, name: str, value: Any) -> None:
        # Slots (``_received``) and dunders as Python would; any other private name is a private
        # attribute, never in the field values.
        if name.startswith("__") or hasattr(type(self), name):
            object.__setattr__(self, name, value)
            return
        core.set_private(self, name, value)

    def _refuse_unknown(self, name: str, built: _Core) -> None:
        # Unknown keys are kept, but a handler may not invent one: under Cognito's camelCase name
        # it would bypass the typed field and the response rules; misspelt, Cognito ignores it.
        extra = self.model_extra or {}
        if name in extra and name not in built.by_alias:
            return
        hint = f"; set {built.by_alias[name]!r}" if name in built.by_alias else ""
        known = ", ".join(built.fields) or "none"
        raise AttributeError(f"{type(self).__name__} has no field {name!r}{hint} (fields: {known})")

    if not TYPE_CHECKING:  # hidden from mypy, which would let any misspelt attribute through

        def __getattr__(self, name: str) -> Any:
            # Extras read as attributes, as in pydantic; only called when normal lookup failed.
            for found in (core.private_of(self), core.extra_of(self)):
                if found and name in found:
                    return found[name]
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        fields = type(self)._core().fields
        mine, theirs = core.values(self), core.values(other)
        return all(mine.get(name) == theirs.get(name) for name in fields) and (
            self.model_extra or {}
        ) == (other.model_extra or {})

    def __copy__(self) -> Self:
        # A shallow copy with its own set of set fields, or setting a field on the copy would
        # count as a change of the original (pydantic copies it too).
        copied = object.__new__(type(self))
        extra, private = self.model_extra, core.private_of(self)
        core.fill(
            copied,
            dict(core.values(self)),
            None if extra is None else dict(extra),
            set(self.model_fields_set),
            None if private is None else dict(private),
        )
        return copied

    __hash__ = None  # type: ignore[assignment]  # mutable, like pydantic models

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self._repr_parts())})"

    def _repr_parts(self) -> Iterator[str]:
        # Maps hold personal attributes, challenge answers, tokens and claims: an event that
        # reaches a log through repr() or str() shows how many entries they have, not what.
        # Hidden fields (challenge metadata, user names, message text) show that they are set.
        # Unknown keys may hold anything, so none of their values is shown.
        hidden = type(self)._hidden_fields
        for name in type(self)._core().fields:
            value = core.values(self).get(name)
            if isinstance(value, dict):
                shown = f"{{<{len(value)} hidden>}}"
            elif name in hidden and value is not None:
                shown = "<hidden>"
            else:
                shown = repr(value)
            yield f"{name}={shown}"
        for key in self.model_extra or {}:
            yield f"{key}=<hidden>"


def changes_from(model: CognitoModel, received: dict[str, Any]) -> dict[str, Any]:
    """What differs in ``model`` from ``received`` (the dict it was validated from), key by key on
    the wire, with the values ``model_dump`` gives: fields set since, values changed in place. A
    value equal once validated is not a change: a JSON ``true`` in a string map, now ``"true"``,
    or a pre-filled ``"false"`` read as ``False``."""
    built = type(model)._core()
    fields_set = model.model_fields_set
    changed: dict[str, Any] = {}
    for name, info in built.fields.items():
        if name not in fields_set:
            continue
        before = received.get(info.alias, _NO_DEFAULT)
        value = model._dumped(built, name)
        if value != before and _may_be_coerced(before, value):
            # Validated alone, the received value may be this one: pydantic coerced it.
            again = type(model).model_construct()
            core.assign(built.engine.validator, again, name, before)
            if again._dumped(built, name) == value:
                continue
        if value != before:
            changed[info.alias] = value
    for key, value in (model.model_extra or {}).items():
        if received.get(key, _NO_DEFAULT) != value:
            changed[key] = value
    return changed


def unknown_keys(
    model: type[CognitoModel], changes: dict[str, Any], received: Any
) -> list[UnknownKey]:
    """The keys in ``changes`` (from :func:`changes_from`) that no model declares, in ``model`` or
    inside it, and that ``received`` did not hold: keys added since, which Cognito would ignore.
    Unknown keys it sent are kept, and pass."""
    found: list[UnknownKey] = []
    _find_unknown_keys(changes, received, model._core().known, "", found)
    return found
