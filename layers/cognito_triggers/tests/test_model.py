"""The model base: pydantic-core validation and serialisation behind a BaseModel-like API."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter
from pydantic_core import ValidationError

from cognito_triggers import AttributeMap, PreSignUpEvent, SecretStr, parse_event
from cognito_triggers.events.custom_auth import ChallengeResult
from cognito_triggers.events.migration import UserMigrationResponse
from cognito_triggers.events.model import CognitoModel, changes_from, field
from cognito_triggers.events.sign_up import PreSignUpResponse
from cognito_triggers.testing import make_event


class Part(CognitoModel):
    challenge_name: str
    tries: int = 0


class Whole(CognitoModel):
    part: Part | None = None
    parts: list[Part] = field(default_factory=list)
    tags: AttributeMap | None = None
    secret: SecretStr | None = None
    flag: bool | None = None


class Wider(Whole):
    extra_field: str = "x"


def test_wire_names_are_camel_case_and_python_names_work_too() -> None:
    by_alias = Whole.model_validate({"part": {"challengeName": "CUSTOM_CHALLENGE"}})
    by_name = Whole(part=Part(challenge_name="CUSTOM_CHALLENGE"))
    assert by_alias == by_name
    assert by_alias.model_dump(exclude_unset=True) == {
        "part": {"challengeName": "CUSTOM_CHALLENGE"}
    }
    assert Whole.model_fields["parts"].alias == "parts"
    assert Part.model_fields["challenge_name"].alias == "challengeName"
    assert Part.model_fields["challenge_name"].is_required()  # as pydantic's FieldInfo answers
    assert not Part.model_fields["tries"].is_required()


def test_json_name_overrides_the_camel_case_key() -> None:
    response = UserMigrationResponse.model_validate({"enableSMSMFA": True})
    assert response.enable_sms_mfa is True
    assert UserMigrationResponse(enable_sms_mfa=False).model_dump()["enableSMSMFA"] is False


def test_errors_never_show_input_values() -> None:
    with pytest.raises(ValidationError) as caught:
        Whole.model_validate({"secret": ["hunter2"], "tags": {"email": ["jane@example.com"]}})
    assert "hunter2" not in str(caught.value) and "jane@" not in str(caught.value)


def test_pydantic_lax_coercions_and_errors_apply() -> None:
    assert Whole.model_validate({"flag": "true", "part": {"challengeName": "x", "tries": "3"}}).flag
    with pytest.raises(ValidationError) as caught:
        Whole.model_validate({"part": {"tries": "many"}})
    locations = {error["loc"] for error in caught.value.errors()}
    assert locations == {("part", "challengeName"), ("part", "tries")}


def test_unknown_keys_are_kept_and_readable() -> None:
    whole = Whole.model_validate({"futureKey": {"a": 1}})
    assert whole.model_extra == {"futureKey": {"a": 1}}
    assert whole.futureKey == {"a": 1}  # type: ignore[attr-defined]
    assert whole.model_dump() == {
        "part": None, "parts": [], "tags": None, "secret": None, "flag": None, "futureKey": {"a": 1}
    }  # fmt: skip
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        whole.nothing  # type: ignore[attr-defined]  # noqa: B018


def test_assignments_are_validated_and_new_names_refused() -> None:
    whole = Whole.model_validate({"futureKey": 1})
    whole.flag = "false"  # type: ignore[assignment]  # coerced, as in pydantic
    assert whole.flag is False
    with pytest.raises(ValidationError):
        whole.part = 3  # type: ignore[assignment]
    whole.part = {"challengeName": "SRP_A"}  # type: ignore[assignment]
    assert whole.part == Part(challenge_name="SRP_A")
    whole.futureKey = 2  # type: ignore[attr-defined]  # a received unknown key may be rewritten
    assert whole.model_fields_set == {"flag", "part", "futureKey"}
    with pytest.raises(AttributeError, match="set 'challenge_name'"):
        whole.part.challengeName = "x"  # type: ignore[attr-defined]  # bypasses the typed field
    with pytest.raises(AttributeError, match="no field 'flagg'"):
        whole.flagg = True  # type: ignore[attr-defined]  # mypy flags it too


def test_a_subclass_validates_its_own_fields() -> None:
    assert Wider.model_validate({"extraField": "y"}).extra_field == "y"
    assert "extra_field" not in Whole.model_fields
    assert Wider.model_validate({}).extra_field == "x"


def test_model_construct_trusts_its_values_and_counts_only_them_as_set() -> None:
    built = Whole.model_construct(flag=True)
    assert built.flag is True and built.part is None and built.parts == []
    assert built.model_fields_set == {"flag"}
    assert built.parts is not Whole.model_construct().parts  # factories run per instance


def test_changes_are_what_differs_from_the_received_dict() -> None:
    received: dict[str, Any] = {
        "tags": {"verified": True},
        "parts": [{"challengeName": "SRP_A", "unknown": 1}],
        "later": {"k": "v"},
    }
    whole = Whole.model_validate(received)
    assert whole.tags == {"verified": "true"}
    assert changes_from(whole, received) == {}  # "true" is what JSON true meant: no change
    whole.tags["verified"] = "false"  # in place
    whole.parts[0].tries = 2
    whole.flag = False
    assert changes_from(whole, received) == {
        "tags": {"verified": "false"},
        "parts": [{"challengeName": "SRP_A", "tries": 2, "unknown": 1}],
        "flag": False,
    }


def test_unchanged_response_of_a_real_event_has_no_changes() -> None:
    event = parse_event(make_event("PreSignUp_SignUp"))
    assert event.response_changes() == {}
    assert isinstance(event, PreSignUpEvent)
    event.response.auto_verify_email = True
    assert event.response_changes() == {"autoVerifyEmail": True}


def test_repr_hides_maps_and_secrets_and_equality_is_by_value() -> None:
    whole = Whole(tags={"email": "jane@example.com"}, secret=SecretStr("hunter2"))
    text = repr(whole)
    assert "jane@example.com" not in text and "hunter2" not in text
    assert "tags={<1 hidden>}" in text and "SecretStr('**********')" in text
    assert str(SecretStr("hunter2")) == "**********" and str(SecretStr("")) == ""
    assert SecretStr("hunter2").__eq__(7) is NotImplemented  # another type answers for itself
    assert SecretStr("hunter2") != 7
    assert whole.secret is not None and whole.secret.get_secret_value() == "hunter2"
    assert whole == Whole(tags={"email": "jane@example.com"}, secret=SecretStr("hunter2"))
    assert whole != Whole()
    assert whole != Wider(tags={"email": "jane@example.com"}, secret=SecretStr("hunter2"))


def test_copies_and_pickles_round_trip() -> None:
    event = parse_event(make_event("DefineAuthChallenge_Authentication"))
    assert copy.deepcopy(event) == event
    assert pickle.loads(pickle.dumps(event)) == event  # noqa: S301 - our own bytes


def test_unsupported_field_types_are_named() -> None:
    class Odd(CognitoModel):
        values: set[int]

    with pytest.raises(TypeError, match="Odd: no schema for fields of type set"):
        Odd.model_validate({"values": [1]})


def test_models_work_inside_a_users_pydantic_models() -> None:
    class Audit(BaseModel):
        result: ChallengeResult

    audit = Audit.model_validate({"result": {"challengeName": "SRP_A", "challengeResult": True}})
    assert isinstance(audit.result, ChallengeResult)
    assert audit.model_dump()["result"] == {"challengeName": "SRP_A", "challengeResult": True,
                                            "challengeMetadata": None}  # fmt: skip
    event = TypeAdapter(PreSignUpEvent).validate_python(make_event("PreSignUp_SignUp"))
    assert isinstance(event.response, PreSignUpResponse)


def test_json_schema_describes_the_wire_format() -> None:
    schema = PreSignUpEvent.model_json_schema()
    assert {"version", "triggerSource", "userPoolId", "request", "response"} <= set(
        schema["properties"]
    )
    request = schema["properties"]["request"]
    assert request["properties"]["userAttributes"]["additionalProperties"] == {"type": "string"}


def test_changes_of_a_model_with_required_fields() -> None:
    class Required(CognitoModel):
        name: str
        tags: AttributeMap

    received: dict[str, Any] = {"name": "x", "tags": {"verified": True}}
    model = Required.model_validate(received)
    assert changes_from(model, received) == {}
    model.name = "y"
    assert changes_from(model, received) == {"name": "y"}


def test_a_shallow_copy_has_its_own_set_fields() -> None:
    received = make_event("PreSignUp_SignUp")
    received["response"] = {}
    event = parse_event(received)
    assert isinstance(event, PreSignUpEvent)
    copied = copy.copy(event.response)
    copied.auto_confirm_user = True
    assert event.response_changes() == {}
    assert event.to_dict()["response"] == {}


def test_an_edit_in_place_of_a_received_claim_is_seen_and_checked() -> None:
    received = make_event(
        "TokenGeneration_Authentication",
        response={
            "claimsAndScopeOverrideDetails": {
                "idTokenGeneration": {"claimsToAddOrOverride": {"roles": ["user"]}}
            }
        },
    )
    event = parse_event(received)
    details = event.response.claims_and_scope_override_details  # type: ignore[attr-defined]
    details.id_token_generation.claims_to_add_or_override["roles"].append("admin")
    changes = event.response_changes()
    claims = changes["claimsAndScopeOverrideDetails"]["idTokenGeneration"]["claimsToAddOrOverride"]
    assert claims == {"roles": ["user", "admin"]}


def test_private_names_stay_out_of_fields_repr_and_equality() -> None:
    whole = Whole()
    setattr(whole, "_note", "hush-hush")  # noqa: B010 - not a declared name
    assert getattr(whole, "_note") == "hush-hush"  # noqa: B009
    assert "hush-hush" not in repr(whole) and "_note" not in whole.model_dump()
    assert whole == Whole()
    with pytest.raises(AttributeError):
        setattr(whole, "", 1)


def test_unknown_keys_show_no_value_in_repr() -> None:
    whole = Whole.model_validate({"legacyToken": "tok-secret", "otp": ["123456"]})
    text = repr(whole)
    assert "tok-secret" not in text and "123456" not in text
    assert "legacyToken=<hidden>" in text


def test_a_field_declared_again_without_a_default_is_required() -> None:
    class Parent(CognitoModel):
        name: str | None = None

    class Child(Parent):
        name: str

    assert Child.model_fields["name"].is_required()
    with pytest.raises(ValidationError):
        Child.model_validate({})


def test_model_construct_maps_wire_names_keeps_extras_and_copies_mutable_defaults() -> None:
    class Listed(CognitoModel):
        user_attributes: AttributeMap | None = None
        tags: list[str] = []  # noqa: RUF012 - a mutable default, copied per instance

    built = Listed.model_construct(userAttributes={"a": "b"}, zz=1)
    assert built.user_attributes == {"a": "b"}
    assert built.model_extra == {"zz": 1} and built.model_fields_set == {"user_attributes"}
    assert built.model_dump() == {"userAttributes": {"a": "b"}, "tags": [], "zz": 1}
    assert Listed.model_construct().tags is not Listed.model_construct().tags


def test_secrets_are_masked_in_json_and_marked_in_the_schema() -> None:
    whole = Whole(secret=SecretStr("hunter2"))
    assert whole.model_dump()["secret"] == SecretStr("hunter2")
    assert whole.model_dump(mode="json")["secret"] == "**********"

    class Log(BaseModel):
        whole: Whole

    assert "hunter2" not in Log(whole=whole).model_dump_json()
    secret = Whole.model_json_schema()["properties"]["secret"]["anyOf"][0]
    assert secret.get("format") == "password" and secret.get("writeOnly") is True


_PYDANTIC_IDIOMS = {
    "Field() default": "    x: int = pydantic.Field(1)\n",
    "field_validator": (
        "    x: int = 1\n"
        "    @pydantic.field_validator('x')\n"
        "    @classmethod\n"
        "    def positive(cls, x: int) -> int:\n"
        "        return x\n"
    ),
    "model_validator": (
        "    x: int = 1\n"
        "    @pydantic.model_validator(mode='after')\n"
        "    def whole(self) -> object:\n"
        "        return self\n"
    ),
    "model_config": "    model_config = {'frozen': True}\n",
}


@pytest.mark.parametrize("body", _PYDANTIC_IDIOMS.values(), ids=_PYDANTIC_IDIOMS.keys())
def test_pydantic_idioms_the_base_does_not_honour_fail_where_the_class_is_defined(
    body: str,
) -> None:
    namespace = {"pydantic": pytest.importorskip("pydantic"), "CognitoModel": CognitoModel}
    with pytest.raises(TypeError, match=r"Custom\.\w+ is pydantic|pydantic configuration"):
        exec(f"class Custom(CognitoModel):\n{body}", namespace)  # noqa: S102


def test_class_keywords_fail_where_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match=r"class keywords \(frozen\)"):

        class Frozen(CognitoModel, frozen=True):
            x: int = 1


@pytest.mark.parametrize(
    "compare",
    [
        lambda secret: secret == "hunter2",
        lambda secret: "hunter2" == secret,  # noqa: SIM300 - the reflected comparison
        lambda secret: secret != "hunter2",
        lambda secret: secret in ("hunter2", "other"),
    ],
    ids=["secret == text", "text == secret", "!=", "in"],
)
def test_a_secret_compared_with_text_is_an_error_not_false(
    compare: Callable[[SecretStr], bool],
) -> None:
    """`challenge_answer == expected` would be False for the right answer too: every custom
    sign-in refused, silently."""
    with pytest.raises(TypeError, match=r"compare its get_secret_value\(\)"):
        compare(SecretStr("hunter2"))
