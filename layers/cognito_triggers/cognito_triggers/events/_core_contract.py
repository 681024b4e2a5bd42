"""The contract with pydantic-core that the models rely on beyond its schema builders, in one place.

pydantic-core says it is not meant to be used directly ("You should not need to use pydantic-core
directly; instead, use pydantic", its README): what follows is the protocol between pydantic's
``BaseModel`` (pydantic/main.py) and pydantic-core's ``model_schema`` validator, which this package
uses in BaseModel's place to keep pydantic's import off the cold start. The validator fills an
instance of the class it names through four attributes: ``__dict__`` (the fields),
``__pydantic_extra__`` (unknown keys), ``__pydantic_fields_set__`` (fields received or assigned)
and ``__pydantic_private__``; it fills an existing instance when given ``self_instance``, and
``validate_assignment`` writes one field the same way. ``CONFIG`` names the ``CoreConfig`` keys
it honours, and ``json_schema_updates`` the metadata key pydantic's JSON Schema generator reads
from a core schema. A pydantic-core release that changes any of this changes this file alone; the
runtime's tests run at both ends of the supported pydantic range (``make pydantic-range``).
"""

from __future__ import annotations

from typing import Any

from pydantic_core import CoreConfig, SchemaSerializer, SchemaValidator
from pydantic_core import core_schema as cs

__all__ = [
    "CONFIG",
    "Engine",
    "Instance",
    "assign",
    "engine",
    "extra_of",
    "fill",
    "json_schema_updates",
    "private_of",
    "set_private",
    "validate_into",
    "values",
]

CONFIG: CoreConfig = {
    "extra_fields_behavior": "allow",
    "validate_by_alias": True,
    "validate_by_name": True,
    "serialize_by_alias": True,
    "hide_input_in_errors": True,  # a value may be a password or an e-mail address
}


class Instance:
    """The attributes pydantic-core's model validator writes into the instances it fills, as
    pydantic's ``BaseModel`` declares them, and pydantic's public names for two of them."""

    __slots__ = (
        "__dict__",
        "__pydantic_extra__",
        "__pydantic_fields_set__",
        "__pydantic_private__",
    )
    __pydantic_extra__: dict[str, Any] | None
    __pydantic_fields_set__: set[str]
    __pydantic_private__: dict[str, Any] | None

    @property
    def model_fields_set(self) -> set[str]:
        """The fields that were received or assigned, not defaulted."""
        return self.__pydantic_fields_set__

    @property
    def model_extra(self) -> dict[str, Any] | None:
        """Keys the model does not declare, as received."""
        return self.__pydantic_extra__


class Engine:
    """A model class's core schema and the pydantic-core objects made from it."""

    # A plain class: a NamedTuple costs a cold start a tenth of a millisecond to define.
    __slots__ = ("schema", "serializer", "validator")

    def __init__(
        self, schema: cs.CoreSchema, validator: SchemaValidator, serializer: SchemaSerializer
    ) -> None:
        self.schema = schema
        self.validator = validator
        self.serializer = serializer


def engine(cls: type[Instance], fields: dict[str, cs.ModelField]) -> Engine:
    """Validate into and serialise from instances of ``cls``, with these fields."""
    schema = cs.model_schema(
        cls,
        cs.model_fields_schema(fields, model_name=cls.__name__),
        config=CoreConfig(title=cls.__name__, **CONFIG),
    )
    return Engine(schema, SchemaValidator(schema, CONFIG), SchemaSerializer(schema, CONFIG))


def json_schema_updates(updates: dict[str, Any]) -> dict[str, Any]:
    """Core schema metadata that makes pydantic's JSON Schema of a value carry ``updates``."""
    return {"pydantic_js_updates": updates}


def validate_into(validator: SchemaValidator, data: Any, instance: Instance) -> None:
    """Validate ``data`` into ``instance`` (a model's ``__init__``)."""
    validator.validate_python(data, self_instance=instance)


def assign(validator: SchemaValidator, instance: Instance, name: str, value: Any) -> None:
    """Validate ``value`` for the field ``name`` and set it, counting the field as set."""
    validator.validate_assignment(instance, name, value)


def values(instance: Instance) -> dict[str, Any]:
    """The instance's field values by name (the validator keeps them in ``__dict__``)."""
    return instance.__dict__


def extra_of(instance: Instance) -> dict[str, Any] | None:
    """The instance's unknown keys, ``None`` when it has none (or is not set up yet, as during
    ``copy`` or unpickling)."""
    found: dict[str, Any] | None = _slot(instance, "__pydantic_extra__")
    return found


def private_of(instance: Instance) -> dict[str, Any] | None:
    """The instance's private attributes, ``None`` when it has none (or is not set up yet)."""
    found: dict[str, Any] | None = _slot(instance, "__pydantic_private__")
    return found


def _slot(instance: Instance, name: str) -> Any:
    # Past any __getattr__ of the model, which reads these to find extras.
    try:
        return object.__getattribute__(instance, name)
    except AttributeError:
        return None


def set_private(instance: Instance, name: str, value: Any) -> None:
    """Keep ``value`` as the private attribute ``name``, out of fields, dumps and equality."""
    found = private_of(instance)
    if found is None:
        found = {}
        _set_private(instance, found)
    found[name] = value


def fill(
    instance: Instance,
    values: dict[str, Any],
    extra: dict[str, Any] | None,
    fields_set: set[str],
    private: dict[str, Any] | None = None,
) -> None:
    """Set up an instance without validation (``model_construct``, copies), as the validator
    does: straight through the slots."""
    _set_dict(instance, values)
    _set_extra(instance, extra)
    _set_fields_set(instance, fields_set)
    _set_private(instance, private)


_set_dict = Instance.__dict__["__dict__"].__set__
_set_extra = Instance.__dict__["__pydantic_extra__"].__set__
_set_fields_set = Instance.__dict__["__pydantic_fields_set__"].__set__
_set_private = Instance.__dict__["__pydantic_private__"].__set__
