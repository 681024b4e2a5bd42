"""The example trigger functions, called like Lambda calls them; AWS calls against moto."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any, Literal

import argon2
import boto3
import pytest
from argon2 import PasswordHasher
from moto import mock_aws

import create_auth_challenge
import custom_message
import define_auth_challenge
import post_confirmation
import pre_authentication
import pre_sign_up
import pre_token_generation
import user_migration
import verify_auth_challenge
from cognito_triggers import Deny, TriggerFamily
from cognito_triggers.aws import reset_clients
from cognito_triggers.testing import AGENT_CLIENT_ID, lambda_context, make_event

CONTEXT = lambda_context()


MODULES = (
    create_auth_challenge,
    custom_message,
    define_auth_challenge,
    post_confirmation,
    pre_authentication,
    pre_sign_up,
    pre_token_generation,
    user_migration,
    verify_auth_challenge,
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    reset_clients()  # each test's clients are made inside its own mock_aws()
    pre_token_generation._client_tables.clear()


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def test_sign_up_from_the_trusted_domain_is_confirmed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "example.com,example.org")
    monkeypatch.setenv("TRUSTED_EMAIL_DOMAIN", "example.com")
    result = pre_sign_up.lambda_handler(make_event("PreSignUp_SignUp"), CONTEXT)
    assert result["response"]["autoConfirmUser"] is True
    assert result["response"]["autoVerifyEmail"] is False  # no one has shown they own the mailbox
    other = make_event("PreSignUp_SignUp", request={"userAttributes": {"email": "a@example.org"}})
    assert pre_sign_up.lambda_handler(other, CONTEXT)["response"]["autoConfirmUser"] is False


def test_sign_up_from_elsewhere_is_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "example.com")
    event = make_event("PreSignUp_SignUp", request={"userAttributes": {"email": "x@evil.test"}})
    with pytest.raises(Exception, match=r"open to example\.com addresses only") as raised:
        pre_sign_up.lambda_handler(event, CONTEXT)
    assert type(raised.value).__name__ == "Deny"


def test_blocked_users_cannot_sign_in() -> None:
    event = make_event(
        "PreAuthentication_Authentication", request={"userAttributes": {"custom:blocked": "true"}}
    )
    with pytest.raises(Exception, match="suspended"):
        pre_authentication.lambda_handler(event, CONTEXT)
    pre_authentication.lambda_handler(make_event("PreAuthentication_Authentication"), CONTEXT)


def test_confirmed_user_joins_the_default_group(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    idp = boto3.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="p")["UserPool"]["Id"]
    idp.create_group(UserPoolId=pool, GroupName="members")
    idp.admin_create_user(UserPoolId=pool, Username="jane")
    monkeypatch.setenv("DEFAULT_GROUP", "members")
    event = make_event("PostConfirmation_ConfirmSignUp", userPoolId=pool, userName="jane")
    post_confirmation.lambda_handler(event, CONTEXT)
    groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username="jane")["Groups"]
    assert [g["GroupName"] for g in groups] == ["members"]


def _legacy_table(name: str = "legacy") -> str:
    dynamodb = boto3.client("dynamodb")
    dynamodb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}],
    )
    hashed = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("old secret")
    dynamodb.put_item(
        TableName=name,
        Item={
            "username": {"S": "jane"},
            "email": {"S": "jane@example.com"},
            "tenant": {"S": "acme"},
            "password_hash": {"S": hashed},
        },
    )
    return name


def test_migration_with_the_right_password(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGACY_USERS_TABLE", _legacy_table())
    event = make_event(
        "UserMigration_Authentication", userName="jane", request={"password": "old secret"}
    )
    response = user_migration.lambda_handler(event, CONTEXT)["response"]
    assert response["finalUserStatus"] == "CONFIRMED"
    assert response["messageAction"] == "SUPPRESS"
    assert response["userAttributes"] == {
        "email": "jane@example.com",
        "email_verified": "true",
        "custom:tenant": "acme",
    }


@pytest.mark.parametrize(("user", "password"), [("jane", "wrong"), ("nobody", "old secret")])
def test_migration_refuses_alike(
    aws: None, monkeypatch: pytest.MonkeyPatch, user: str, password: str
) -> None:
    monkeypatch.setenv("LEGACY_USERS_TABLE", _legacy_table())
    event = make_event(
        "UserMigration_Authentication", userName=user, request={"password": password}
    )
    with pytest.raises(Exception, match="Incorrect username or password"):
        user_migration.lambda_handler(event, CONTEXT)


def test_migration_for_a_forgotten_password(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEGACY_USERS_TABLE", _legacy_table())
    event = make_event("UserMigration_ForgotPassword", userName="jane")
    response = user_migration.lambda_handler(event, CONTEXT)["response"]
    assert response["userAttributes"]["email_verified"] == "true"
    assert response["finalUserStatus"] is None


def test_one_time_code_flow(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    boto3.client("ses").verify_email_identity(EmailAddress="no-reply@example.com")
    monkeypatch.setenv("SENDER_EMAIL", "no-reply@example.com")
    define = define_auth_challenge.lambda_handler(
        make_event("DefineAuthChallenge_Authentication", request={"session": []}), CONTEXT
    )
    assert define["response"]["challengeName"] == "CUSTOM_CHALLENGE"
    created = create_auth_challenge.lambda_handler(
        make_event("CreateAuthChallenge_Authentication", request={"session": []}), CONTEXT
    )["response"]
    code = created["privateChallengeParameters"]["answer"]
    assert len(code) == 6
    assert code.isdigit()
    assert code not in json.dumps(created["publicChallengeParameters"])
    sent = boto3.client("ses").get_send_quota()["SentLast24Hours"]
    assert sent == 1
    for answer, correct in ((code, True), ("000000" if code != "000000" else "1", False)):
        verified = verify_auth_challenge.lambda_handler(
            make_event(
                "VerifyAuthChallengeResponse_Authentication",
                request={"privateChallengeParameters": {"answer": code}, "challengeAnswer": answer},
            ),
            CONTEXT,
        )
        assert verified["response"]["answerCorrect"] is correct
    # A retry after a wrong answer reuses the code already sent.
    retry_session = [
        {
            "challengeName": "CUSTOM_CHALLENGE",
            "challengeResult": False,
            "challengeMetadata": created["challengeMetadata"],
        }
    ]
    again = create_auth_challenge.lambda_handler(
        make_event("CreateAuthChallenge_Authentication", request={"session": retry_session}),
        CONTEXT,
    )["response"]
    assert again["privateChallengeParameters"]["answer"] == code
    assert boto3.client("ses").get_send_quota()["SentLast24Hours"] == 1


def _session(*results: bool) -> list[dict[str, Any]]:
    return [{"challengeName": "CUSTOM_CHALLENGE", "challengeResult": r} for r in results]


@pytest.mark.parametrize(
    ("session", "tokens", "fail", "challenge"),
    [
        (_session(True), True, False, None),
        (_session(False), False, False, "CUSTOM_CHALLENGE"),
        (_session(False, False, False), False, True, None),
        ([{"challengeName": "SRP_A", "challengeResult": True}], False, False, "PASSWORD_VERIFIER"),
        ([{"challengeName": "PASSWORD_VERIFIER", "challengeResult": False}], False, True, None),
    ],
)
def test_define_auth_challenge(
    session: list[dict[str, Any]], tokens: bool, fail: bool, challenge: str | None
) -> None:
    event = make_event("DefineAuthChallenge_Authentication", request={"session": session})
    response = define_auth_challenge.lambda_handler(event, CONTEXT)["response"]
    assert response["issueTokens"] is tokens
    assert response["failAuthentication"] is fail
    assert response["challengeName"] == challenge


def test_user_tokens_get_tenant_and_role() -> None:
    event = make_event("TokenGeneration_Authentication", version="3")
    details = pre_token_generation.lambda_handler(event, CONTEXT)["response"][
        "claimsAndScopeOverrideDetails"
    ]
    for token in ("idTokenGeneration", "accessTokenGeneration"):
        assert details[token]["claimsToAddOrOverride"] == {"tenant": "acme", "role": "editor"}


def _client_table(value: str) -> None:
    boto3.client("ssm").put_parameter(Name="/t/claims", Type="String", Value=value, Overwrite=True)


def test_machine_tokens_get_the_clients_claims(aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    table = {AGENT_CLIENT_ID: {"department": "support", "groups": ["agents", "gateway"]}}
    _client_table(json.dumps(table))
    monkeypatch.setenv("CLIENT_CLAIMS_PARAMETER", "/t/claims")
    result = pre_token_generation.lambda_handler(
        make_event("TokenGeneration_ClientCredentials"), CONTEXT
    )
    access = result["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["claimsToAddOrOverride"] == {
        "department": "support",
        "groups": ["agents", "gateway"],
    }


def test_a_client_with_an_empty_entry_gets_a_token_without_claims(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _client_table(json.dumps({AGENT_CLIENT_ID: {}}))
    monkeypatch.setenv("CLIENT_CLAIMS_PARAMETER", "/t/claims")
    event = make_event("TokenGeneration_ClientCredentials")
    assert pre_token_generation.lambda_handler(event, CONTEXT) == event


def _refused(caplog: pytest.LogCaptureFixture) -> list[str]:
    """A machine token asked for: it is denied (no token); the log lines of the function."""
    caplog.clear()
    with (
        caplog.at_level("INFO", logger=pre_token_generation.logger.name),
        pytest.raises(Deny, match=f"^{pre_token_generation.NO_TOKEN}$"),
    ):
        pre_token_generation.lambda_handler(
            make_event("TokenGeneration_ClientCredentials"), CONTEXT
        )
    return [r.getMessage() for r in caplog.records if r.name == pre_token_generation.logger.name]


def test_a_client_missing_from_the_table_gets_no_token(
    aws: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _client_table(json.dumps({"another-client": {"department": "support"}}))
    monkeypatch.setenv("CLIENT_CLAIMS_PARAMETER", "/t/claims")
    assert _refused(caplog) == ["no machine token: the client table has no entry for this client"]


def test_no_client_gets_a_token_when_the_parameter_is_not_set(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("CLIENT_CLAIMS_PARAMETER", raising=False)
    assert _refused(caplog) == [
        "no machine token: CLIENT_CLAIMS_PARAMETER (the client table's SSM name) is not set"
    ]


SECRETISH = "s3cr3t-looking-value"  # never in a log line


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ("not json {", "the client table is not JSON"),
        (json.dumps([AGENT_CLIENT_ID]), "the client table is a JSON array, not an object"),
        (json.dumps(SECRETISH), "the client table is a JSON string, not an object"),
        (
            json.dumps({AGENT_CLIENT_ID: [SECRETISH]}),
            f"client table entry {AGENT_CLIENT_ID!r} is a JSON array, not an object",
        ),
        (
            json.dumps({AGENT_CLIENT_ID: {"groups": "agents"}}),
            f"client table entry {AGENT_CLIENT_ID!r}: groups is not a list of text",
        ),
        (
            json.dumps({AGENT_CLIENT_ID: {"groups": ["agents", 7]}}),
            f"client table entry {AGENT_CLIENT_ID!r}: groups is not a list of text",
        ),
        (
            json.dumps({AGENT_CLIENT_ID: {"department": None}}),
            f"client table entry {AGENT_CLIENT_ID!r}: department is a JSON null, not text",
        ),
        (
            json.dumps({AGENT_CLIENT_ID: {"department": 42}}),
            f"client table entry {AGENT_CLIENT_ID!r}: department is a JSON number, not text",
        ),
        (
            json.dumps({AGENT_CLIENT_ID: {"group": [SECRETISH]}}),
            f"client table entry {AGENT_CLIENT_ID!r}: unknown key 'group' (department, groups)",
        ),
        # Another client's bad entry: the table is wrong, so no client gets a token from it.
        (
            json.dumps({AGENT_CLIENT_ID: {}, "other": {"groups": SECRETISH}}),
            "client table entry 'other': groups is not a list of text",
        ),
    ],
)
def test_a_malformed_table_means_no_token_and_a_log_line_that_says_why(
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    table: str,
    said: str,
) -> None:
    _client_table(table)
    monkeypatch.setenv("CLIENT_CLAIMS_PARAMETER", "/t/claims")
    assert _refused(caplog) == [f"no machine token: {said}"]
    assert SECRETISH not in caplog.text
    # Not kept: the fixed table is read on the next token.
    _client_table(json.dumps({AGENT_CLIENT_ID: {"groups": ["agents"]}}))
    result = pre_token_generation.lambda_handler(
        make_event("TokenGeneration_ClientCredentials"), CONTEXT
    )
    access = result["response"]["claimsAndScopeOverrideDetails"]["accessTokenGeneration"]
    assert access["claimsToAddOrOverride"] == {"groups": ["agents"]}


def test_the_client_table_is_read_again_once_it_is_old(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _client_table(json.dumps({AGENT_CLIENT_ID: {}}))
    monkeypatch.setenv("CLIENT_CLAIMS_PARAMETER", "/t/claims")
    now = [1000.0]
    monkeypatch.setattr("time.monotonic", lambda: now[0])
    empty = pre_token_generation.ClientClaims()
    assert pre_token_generation.client_table() == {AGENT_CLIENT_ID: empty}
    _client_table('{"x": {}}')
    now[0] += pre_token_generation.CLIENT_CLAIMS_MAX_AGE - 1
    assert pre_token_generation.client_table() == {AGENT_CLIENT_ID: empty}  # a warm copy
    now[0] += 1
    assert pre_token_generation.client_table() == {"x": empty}
    _client_table("[1]")
    now[0] += pre_token_generation.CLIENT_CLAIMS_MAX_AGE
    with pytest.raises(pre_token_generation.ClientTableError, match="not an object"):
        pre_token_generation.client_table()  # not a table: no client gets a token


@pytest.mark.parametrize("source", sorted(custom_message.MESSAGES))
def test_custom_messages_carry_the_placeholders(
    monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    monkeypatch.setenv("BRAND_EMAIL", "true")
    event = make_event(source)
    response = custom_message.lambda_handler(event, CONTEXT)["response"]
    code = event["request"]["codeParameter"]
    for field in ("smsMessage", "emailMessage"):
        assert code in response[field]
        if source == "CustomMessage_AdminCreateUser":
            assert event["request"]["usernameParameter"] in response[field]
    assert len(response["smsMessage"]) <= 140
    monkeypatch.setenv("BRAND_EMAIL", "false")
    assert (
        custom_message.lambda_handler(make_event(source), CONTEXT)["response"]["emailMessage"]
        is None
    )


# -- security: what an attacker or a log reader must not learn ---------------------------------

GHOST = "ghost@example.com"  # no such user


@pytest.fixture
def traces(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], str]]:
    """X-Ray switched on as in Lambda, AWS calls traced as the template can opt them in (X-Ray's
    botocore patch). Calling the fixture's value ends the trace and returns every entity the SDK
    sent, as the JSON it sends."""
    from aws_xray_sdk import global_sdk_config  # type: ignore[import-untyped]
    from aws_xray_sdk.core import patch, xray_recorder  # type: ignore[import-untyped]

    sent: list[str] = []

    class Capture:
        def send_entity(self, entity: Any) -> None:
            sent.append(entity.serialize())

        def set_daemon_address(self, address: str) -> None:
            pass

    def finish() -> str:
        while opened:
            opened.pop()
            xray_recorder.end_segment()
        return "\n".join(sent)

    monkeypatch.delenv("AWS_XRAY_SDK_ENABLED", raising=False)
    # As the template has it: the functions leave X-Ray alone (a Tracer made outside Lambda would
    # switch the SDK off), and the patch below is what opting AWS calls in applies.
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    saved = (xray_recorder.emitter,)
    xray_recorder.emitter = Capture()
    global_sdk_config.set_sdk_enabled(True)
    patch(["botocore"])  # for good: X-Ray does nothing with it while the SDK is off
    opened = [xray_recorder.begin_segment("test", sampling=1)]  # sampled, no daemon asked
    try:
        yield finish
    finally:
        finish()
        xray_recorder.emitter = saved[0]
        # The patch stays for the session: the SDK off keeps it inert for the tests after.
        global_sdk_config.set_sdk_enabled(False)


def test_no_trace_records_a_password_or_its_hash(
    aws: None, monkeypatch: pytest.MonkeyPatch, traces: Callable[[], str]
) -> None:
    monkeypatch.setenv("LEGACY_USERS_TABLE", _legacy_table())
    stored = boto3.client("dynamodb").get_item(TableName="legacy", Key={"username": {"S": "jane"}})[
        "Item"
    ]["password_hash"]["S"]
    for source, password in (
        ("UserMigration_Authentication", "old secret"),
        ("UserMigration_Authentication", "wrong"),
        ("UserMigration_ForgotPassword", None),
    ):
        event = make_event(source, userName="jane")
        if password is not None:
            event["request"]["password"] = password
        with contextlib.suppress(Exception):
            user_migration.lambda_handler(event, CONTEXT)
    text = traces()
    assert '"operation": "GetItem"' in text  # traced, really: the legacy store's answer
    for secret in (stored, "old secret", stored.split("$")[-1]):
        assert secret not in text


def test_an_unknown_user_costs_one_password_verification_like_a_known_one(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEGACY_USERS_TABLE", _legacy_table())
    verified: list[str] = []

    class Recording(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
            verified.append(hash if isinstance(hash, str) else hash.decode())
            return super().verify(hash, password)

    hasher = Recording()
    monkeypatch.setattr(user_migration, "hasher", hasher)
    for user in ("jane", "nobody"):
        event = make_event("UserMigration_Authentication", userName=user)
        event["request"]["password"] = "wrong"
        with pytest.raises(Exception, match="Incorrect username or password"):
            user_migration.lambda_handler(event, CONTEXT)
    assert len(verified) == 2  # one argon2 verification each: the same time for both
    dummy = argon2.extract_parameters(verified[1])
    assert (dummy.time_cost, dummy.memory_cost, dummy.parallelism) == (
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
    )


def _ghost(source: str, **overrides: Any) -> dict[str, Any]:
    """What Cognito sends for a user that does not exist when the client hides user existence."""
    event = make_event(source, userName=GHOST, **overrides)
    event["request"].update(userNotFound=True, userAttributes={})
    return event


def test_custom_auth_treats_unknown_users_like_real_ones(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    ses = boto3.client("ses")
    ses.verify_email_identity(EmailAddress="no-reply@example.com")
    monkeypatch.setenv("SENDER_EMAIL", "no-reply@example.com")
    session: list[dict[str, Any]] = []
    for attempt in range(define_auth_challenge.MAX_ATTEMPTS + 1):
        overrides = {"request": {"session": session}}
        real = define_auth_challenge.lambda_handler(
            make_event("DefineAuthChallenge_Authentication", **overrides), CONTEXT
        )["response"]
        ghost = define_auth_challenge.lambda_handler(
            _ghost("DefineAuthChallenge_Authentication", **overrides), CONTEXT
        )["response"]
        assert ghost == real
        if attempt == define_auth_challenge.MAX_ATTEMPTS:
            assert ghost["failAuthentication"] is True
            break
        sent = ses.get_send_quota()["SentLast24Hours"]
        created = create_auth_challenge.lambda_handler(
            _ghost("CreateAuthChallenge_Authentication", **overrides), CONTEXT
        )["response"]
        assert ses.get_send_quota()["SentLast24Hours"] == sent  # nothing e-mailed
        public = created["publicChallengeParameters"]
        assert public == {"delivery": "EMAIL", "destination": "g***@example.com"}
        private = created["privateChallengeParameters"] or {}
        for answer in ("", "000000", *private.values()):
            verified = verify_auth_challenge.lambda_handler(
                _ghost(
                    "VerifyAuthChallengeResponse_Authentication",
                    request={"privateChallengeParameters": private, "challengeAnswer": answer},
                ),
                CONTEXT,
            )["response"]
            assert verified["answerCorrect"] is False
        session = [
            *session,
            {
                "challengeName": "CUSTOM_CHALLENGE",
                "challengeResult": False,
                "challengeMetadata": created["challengeMetadata"],
            },
        ]


USER_TOKEN_SOURCES = [
    s for s in TriggerFamily.PreTokenGeneration.sources if s != "TokenGeneration_ClientCredentials"
]


@pytest.mark.parametrize("source", USER_TOKEN_SOURCES)
def test_blocked_users_get_no_tokens_on_refresh_or_otherwise(source: str) -> None:
    event = make_event(source, request={"userAttributes": {"custom:blocked": "true"}})
    with pytest.raises(Exception, match="suspended") as raised:
        pre_token_generation.lambda_handler(event, CONTEXT)
    assert type(raised.value).__name__ == "Deny"


def test_both_functions_block_the_same_users() -> None:
    blocked = {"userAttributes": {"custom:blocked": " Yes "}}
    for source, module in (
        ("PreAuthentication_Authentication", pre_authentication),
        ("TokenGeneration_RefreshTokens", pre_token_generation),
    ):
        with pytest.raises(Exception, match=r"^This account is suspended") as raised:
            module.lambda_handler(make_event(source, request=blocked), CONTEXT)
        assert type(raised.value).__name__ == "Deny", module.__name__


@pytest.mark.parametrize(
    ("flag", "blocked"),
    [
        ("true", True),
        ("TRUE", True),
        (" true", True),
        ("True ", True),
        ("1", True),
        ("yes", True),
        ("false", False),
        (" False", False),
        ("0", False),
        ("", False),
        (None, False),
    ],
)
@pytest.mark.parametrize(
    ("module", "source"),
    [
        (pre_authentication, "PreAuthentication_Authentication"),
        (pre_token_generation, "TokenGeneration_RefreshTokens"),
    ],
)
def test_the_blocked_flag_is_read_robustly(
    module: Any, source: str, flag: str | None, blocked: bool
) -> None:
    event = make_event(source)
    if flag is not None:
        event["request"]["userAttributes"]["custom:blocked"] = flag
    if blocked:
        with pytest.raises(Exception, match="suspended"):
            module.lambda_handler(event, CONTEXT)
    else:
        module.lambda_handler(event, CONTEXT)


def test_an_unverified_email_gets_no_role_from_groups() -> None:
    event = make_event(
        "TokenGeneration_Authentication", request={"userAttributes": {"email_verified": "false"}}
    )
    details = pre_token_generation.lambda_handler(event, CONTEXT)["response"][
        "claimsAndScopeOverrideDetails"
    ]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"]["role"] == "guest"
    # Nor an IAM role for the identity pool: the same groups, without their roles.
    groups = event["request"]["groupConfiguration"]
    assert groups["iamRolesToOverride"], "the sample's groups have roles"
    assert details["groupOverrideDetails"] == {
        "groupsToOverride": groups["groupsToOverride"],
        "iamRolesToOverride": [],
    }


def test_a_verified_users_groups_and_roles_are_left_as_cognito_made_them() -> None:
    event = make_event("TokenGeneration_Authentication")
    assert event["request"]["userAttributes"]["email_verified"] == "true"
    details = pre_token_generation.lambda_handler(event, CONTEXT)["response"][
        "claimsAndScopeOverrideDetails"
    ]
    assert "groupOverrideDetails" not in details


def test_an_unverified_user_without_group_roles_keeps_the_groups_untouched() -> None:
    event = make_event(
        "TokenGeneration_Authentication",
        request={
            "userAttributes": {"email_verified": "false"},
            "groupConfiguration": {"iamRolesToOverride": [], "preferredRole": None},
        },
    )
    details = pre_token_generation.lambda_handler(event, CONTEXT)["response"][
        "claimsAndScopeOverrideDetails"
    ]
    assert "groupOverrideDetails" not in details


@pytest.mark.parametrize(
    "email",
    [
        "a@b.com@example.com",
        "a@evil.org, b@example.com",
        "a@evil.org,b@example.com",
        "a@evil.org;b@example.com",
        "a@evil.org b@example.com",
        "Eve <a@evil.org>, b@example.com",
        " a@example.com",
        "a@example.com ",
        "a@example.com\n",
        "a @example.com",
        "a@ example.com",
        "@example.com",
        "a@",
        "a@@example.com",
        "a@example.com.",
        "a@.example.com",
        "",
    ],
)
def test_only_one_plain_address_may_sign_up(monkeypatch: pytest.MonkeyPatch, email: str) -> None:
    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "example.com")
    monkeypatch.setenv("TRUSTED_EMAIL_DOMAIN", "example.com")
    for source in ("PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"):
        event = make_event(source, request={"userAttributes": {"email": email}})
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the type is checked below
            pre_sign_up.lambda_handler(event, CONTEXT)
        assert type(raised.value).__name__ == "Deny"


@pytest.mark.parametrize(
    "email", ["jane.doe@example.com", "J.Doe+news@Example.COM", "o'neil@example.com"]
)
def test_plain_addresses_of_an_allowed_domain_may_sign_up(
    monkeypatch: pytest.MonkeyPatch, email: str
) -> None:

    monkeypatch.setenv("ALLOWED_EMAIL_DOMAINS", "example.com")
    monkeypatch.setenv("TRUSTED_EMAIL_DOMAIN", "example.com")
    event = make_event("PreSignUp_SignUp", request={"userAttributes": {"email": email}})
    assert pre_sign_up.lambda_handler(event, CONTEXT)["response"]["autoConfirmUser"] is True
