"""The example's Cognito flows against its stack deployed to a local AWS (ministack), on the
tools' pytest plugin (``local_stack``): what a user's client does (boto3, HTTP), then what the
client sees and which triggers fired. ``make e2e`` runs them; ``cognito-triggers flows``
(``make run``) prints their report.

The tests are one story, in file order (the user signed up first signs in later), as the stack
is deployed once per run. Where ministack does not fire a trigger, the test invokes the deployed
function through its Lambda Invoke API with a sample event, and says so.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from cognito_triggers.testing import make_event
from cognito_triggers_tools.pytest_plugin import LocalStack, TokenInvalid

from .flows import (
    ALLOWED,
    ATTRIBUTES,
    DENY_TEXT,
    INVITED,
    LEGACY,
    PASSWORD,
    REFUSED,
    TRUSTED,
    legacy_user,
    refused,
    said,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pool(local_stack: LocalStack) -> str:
    return local_stack.output("UserPoolId")


@pytest.fixture(scope="module")
def web(local_stack: LocalStack) -> str:
    return local_stack.output("WebClientId")


@pytest.fixture(scope="module")
def tokens() -> dict[str, Any]:
    """Tokens one test gets and a later one uses."""
    return {}


def _sign_up(stack: LocalStack, web: str, email: str) -> dict[str, Any]:
    reply = stack.sign_up(web, email, PASSWORD, {"email": email, **ATTRIBUTES})
    stack.note(f"UserConfirmed: {reply['UserConfirmed']}")
    return reply


def _invoked(stack: LocalStack, logical_id: str, event: dict[str, Any]) -> dict[str, Any]:
    """A trigger ministack does not fire, invoked on the deployed function; its changes noted."""
    reply = stack.invoke(logical_id, event)
    stack.note(f"{event['triggerSource']} invoked on {logical_id} through the Lambda Invoke API")
    if "errorMessage" in reply:
        stack.note(f"function error: {reply['errorMessage']}")
    else:
        for change in stack.changes(event, reply) or ["response unchanged"]:
            stack.note(f"  {change}")
    return reply


def test_trusted_domain_sign_up_is_confirmed(local_stack: LocalStack, pool: str, web: str) -> None:
    """Sign-up from the trusted domain (ann@example.com) is confirmed on the spot"""
    with local_stack.watch() as seen:
        assert _sign_up(local_stack, web, TRUSTED)["UserConfirmed"], "autoConfirmUser"
    assert seen.fired("PreSignUp_SignUp", "handled")
    verified = local_stack.user(pool, TRUSTED)["attributes"].get("email_verified")
    local_stack.note(f"email_verified: {verified} (no one has shown they own the mailbox yet)")
    assert verified != "true"


def test_allowed_domain_sign_up_waits_for_its_code(local_stack: LocalStack, web: str) -> None:
    """Sign-up from an allowed domain (bob@example.org) waits for its e-mailed code"""
    assert not _sign_up(local_stack, web, ALLOWED)["UserConfirmed"]
    mail = local_stack.last_email(ALLOWED, "verification code")
    local_stack.note(f"e-mail {mail.subject!r} sent to {ALLOWED}")


def test_other_domains_are_refused_with_the_deny_text(local_stack: LocalStack, web: str) -> None:
    """Sign-up from any other domain (eve@elsewhere.test) is refused with the Deny text"""
    with local_stack.watch() as seen:
        error = refused(lambda: _sign_up(local_stack, web, REFUSED))
    local_stack.note(f"the client sees {said(error)}")
    assert DENY_TEXT in said(error)
    assert seen.fired("PreSignUp_SignUp", "denied")
    local_stack.note(
        "(AWS words it `PreSignUp failed with error <text>.`; ministack passes the JSON)"
    )


def test_confirmation_with_the_emailed_code(local_stack: LocalStack, pool: str, web: str) -> None:
    """Confirmation with the code read from the local SES"""
    code = local_stack.last_email(ALLOWED, "verification code").code
    assert code, "a six-digit code in the e-mail"
    local_stack.confirm_sign_up(web, ALLOWED, code)
    status = local_stack.user(pool, ALLOWED)["UserStatus"]
    local_stack.note(f"UserStatus: {status}")
    assert status == "CONFIRMED"


def test_post_confirmation_adds_the_default_group(
    local_stack: LocalStack, pool: str, web: str
) -> None:
    """PostConfirmation adds each confirmed user to the default group"""
    local_stack.note(
        "ministack does not fire PostConfirmation: invoked with a sample event per user"
    )
    for email in (TRUSTED, ALLOWED):
        found = local_stack.user(pool, email)
        event = make_event(
            "PostConfirmation_ConfirmSignUp", userPoolId=pool, userName=found["Username"]
        )
        event["callerContext"]["clientId"] = web
        event["request"]["userAttributes"] = found["attributes"]
        _invoked(local_stack, "PostConfirmationFunction", event)
        groups = local_stack.groups(pool, email)
        local_stack.note(f"{email} groups: {groups}")
        assert "members" in groups, email


def test_the_allowed_user_has_a_verified_address(local_stack: LocalStack, pool: str) -> None:
    """bob@example.org verified their address: the role needs it"""
    verified = local_stack.user(pool, ALLOWED)["attributes"].get("email_verified")
    local_stack.note(f"email_verified after ConfirmSignUp: {verified}")
    if verified != "true":
        # AWS marks the address verified when its code confirms the sign-up; ministack does
        # not, so the admin API does what that confirmation does.
        local_stack.note(
            "(ministack does not set it on ConfirmSignUp, as AWS does: set by an admin)"
        )
        local_stack.idp.admin_update_user_attributes(
            UserPoolId=pool,
            Username=ALLOWED,
            UserAttributes=[{"Name": "email_verified", "Value": "true"}],
        )


def test_password_sign_in_gets_the_claims(
    local_stack: LocalStack, web: str, tokens: dict[str, Any]
) -> None:
    """Sign-in with a password: the pre token generation claims"""
    with local_stack.watch() as seen:
        result = local_stack.sign_in(web, ALLOWED, PASSWORD)["AuthenticationResult"]
    tokens.update(result)
    assert seen.fired("TokenGeneration_Authentication", "handled")
    for kind in ("IdToken", "AccessToken"):
        claims = local_stack.claims(f"{ALLOWED} {kind}", result[kind])
        assert claims.get("tenant") == "acme", kind  # V3: both tokens
        assert claims.get("role") == "member", kind  # verified, in members
    # RS256, against the keys the pool publishes (its JWKS), issued to the web client: the ID
    # token's aud, the access token's client_id (an access token has no aud).
    assert local_stack.verify(result["IdToken"], web)["tenant"] == "acme"
    assert local_stack.verify(result["AccessToken"], web)["token_use"] == "access"
    with pytest.raises(TokenInvalid, match="client_id"):
        local_stack.verify(result["AccessToken"], "another-client")
    local_stack.note("both tokens' signatures verified against the pool's JWKS")
    result = local_stack.sign_in(web, TRUSTED, PASSWORD)["AuthenticationResult"]
    claims = local_stack.claims(f"{TRUSTED} access token", result["AccessToken"])
    assert claims.get("role") == "guest", "guest until the address is verified"


def test_refresh_adds_the_claims_again(
    local_stack: LocalStack, web: str, tokens: dict[str, Any]
) -> None:
    """Refresh: the claims are added again (TokenGeneration_RefreshTokens)"""
    with local_stack.watch() as seen:
        result = local_stack.refresh(web, tokens["RefreshToken"])
    assert seen.fired("TokenGeneration_RefreshTokens", "handled")
    assert local_stack.claims("access token", result["AccessToken"]).get("tenant") == "acme"


def test_pre_authentication_refuses_a_blocked_user(local_stack: LocalStack, pool: str) -> None:
    """PreAuthentication refuses a blocked user and lets the others in"""
    local_stack.note("ministack does not fire PreAuthentication: invoked with sample events")
    local_stack.idp.admin_update_user_attributes(
        UserPoolId=pool,
        Username=ALLOWED,
        UserAttributes=[{"Name": "custom:blocked", "Value": "true"}],
    )
    for email, blocked in ((ALLOWED, True), (TRUSTED, False)):
        found = local_stack.user(pool, email)
        event = make_event(
            "PreAuthentication_Authentication", userPoolId=pool, userName=found["Username"]
        )
        event["request"]["userAttributes"] = found["attributes"]
        with local_stack.watch() as seen:
            reply = _invoked(local_stack, "PreAuthenticationFunction", event)
        assert ("errorMessage" in reply) == blocked, email
        assert seen.fired("PreAuthentication_Authentication", "denied" if blocked else "handled"), (
            email
        )


def test_a_blocked_users_refresh_is_refused(
    local_stack: LocalStack, web: str, tokens: dict[str, Any]
) -> None:
    """A blocked user's refresh: pre token generation refuses the tokens"""
    with local_stack.watch() as seen:
        error = refused(lambda: local_stack.refresh(web, tokens["RefreshToken"]))
    local_stack.note(f"the client sees {said(error)}")
    assert seen.fired("TokenGeneration_RefreshTokens", "denied")


def test_post_authentication_records_the_sign_in(local_stack: LocalStack, pool: str) -> None:
    """PostAuthentication records the sign-in"""
    local_stack.note("ministack does not fire PostAuthentication: invoked with a sample event")
    found = local_stack.user(pool, TRUSTED)
    event = make_event(
        "PostAuthentication_Authentication", userPoolId=pool, userName=found["Username"]
    )
    event["request"]["userAttributes"] = found["attributes"]
    assert "errorMessage" not in _invoked(local_stack, "PostAuthenticationFunction", event)


def test_custom_auth_with_an_emailed_code(local_stack: LocalStack, web: str) -> None:
    """Sign-in with an e-mailed one-time code (CUSTOM_AUTH)"""
    before = len(local_stack.emails(TRUSTED, "sign-in code"))
    with local_stack.watch() as seen:
        challenge = local_stack.start_custom_auth(web, TRUSTED)
        local_stack.note(
            f"challenge {challenge['ChallengeName']}: {challenge['ChallengeParameters']}"
        )
        code = local_stack.last_email(TRUSTED, "sign-in code").code
        assert code, "a six-digit code in the e-mail"
        assert len(local_stack.emails(TRUSTED, "sign-in code")) == before + 1, "one e-mail"
        result = local_stack.answer_challenge(
            web, challenge["Session"], {"USERNAME": TRUSTED, "ANSWER": code}
        )["AuthenticationResult"]
    for source in ("Define", "Create", "VerifyAuthChallengeResponse"):
        name = source if source.startswith("Verify") else f"{source}AuthChallenge"
        assert seen.fired(f"{name}_Authentication", "handled"), name
    assert local_stack.claims("ID token", result["IdToken"]).get("tenant") == "acme"


def test_three_wrong_codes_end_the_sign_in(local_stack: LocalStack, web: str) -> None:
    """Three wrong codes end the sign-in; the code is e-mailed once"""
    before = len(local_stack.emails(TRUSTED, "sign-in code"))
    reply = local_stack.start_custom_auth(web, TRUSTED)
    with local_stack.watch() as seen:
        for attempt in (1, 2, 3):
            try:
                reply = local_stack.answer_challenge(
                    web, reply["Session"], {"USERNAME": TRUSTED, "ANSWER": "not-a-code"}
                )
            except Exception as error:  # botocore's ClientError: the sign-in ended
                local_stack.note(f"attempt {attempt}: {error}")
                assert attempt == 3, "another chance before the third wrong code"
                break
            local_stack.note(f"attempt {attempt}: {reply.get('ChallengeName')} again")
        else:
            raise AssertionError("the third wrong code did not end the sign-in")
    sent = len(local_stack.emails(TRUSTED, "sign-in code")) - before
    local_stack.note(f"e-mails sent: {sent}")
    assert sent == 1, "one e-mail: retries reuse the code"
    ended = seen.fired("DefineAuthChallenge_Authentication", "handled")
    assert any("OneTimeCodeLockout" in call.metrics for call in ended), "the lockout's metric"


def test_machine_client_credentials_token(local_stack: LocalStack) -> None:
    """A machine client's client_credentials token carries its claims"""
    with local_stack.watch() as seen:
        token = local_stack.client_credentials(
            local_stack.output("SupportAgentClientId"), ["agents/invoke", "agents/read"]
        )["access_token"]
    local_stack.note("POST /oauth2/token grant_type=client_credentials")
    assert seen.fired("TokenGeneration_ClientCredentials", "handled")
    claims = local_stack.claims("access token", token)
    assert claims.get("department") == "support", "the SSM client table's department"
    assert claims.get("groups") == ["agents", "support"]


def test_hosted_ui_authorization_code_with_pkce(
    local_stack: LocalStack, pool: str, web: str
) -> None:
    """The hosted UI: authorization code with PKCE (TokenGeneration_HostedAuth)"""
    client = local_stack.idp.describe_user_pool_client(UserPoolId=pool, ClientId=web)
    (redirect,) = client["UserPoolClient"]["CallbackURLs"]  # the template's CallbackUrl
    local_stack.note(f"the web client, redirecting to {redirect}")
    with local_stack.watch() as seen:
        result = local_stack.hosted_ui_sign_in(web, TRUSTED, PASSWORD, redirect_uri=redirect)
    local_stack.note("GET /oauth2/authorize (S256 challenge), POST /login, POST /oauth2/token")
    assert seen.fired("TokenGeneration_HostedAuth", "handled")
    for label, token in (("ID token", "id_token"), ("access token", "access_token")):
        claims = local_stack.claims(label, result[token])
        assert claims.get("tenant") == "acme", label  # V3: both tokens
        assert claims.get("role") == "guest", label  # ann has not verified the address


def test_invitation_then_a_new_password(local_stack: LocalStack, pool: str, web: str) -> None:
    """Invitation (AdminCreateUser): the branded e-mail, then a new password"""
    with local_stack.watch() as seen:
        local_stack.idp.admin_create_user(
            UserPoolId=pool,
            Username=INVITED,
            UserAttributes=[
                {"Name": "email", "Value": INVITED},
                {"Name": "given_name", "Value": "Carol"},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )
    assert seen.fired("CustomMessage_AdminCreateUser", "handled")
    mail = local_stack.last_email(INVITED, "invited")
    local_stack.note(f"e-mail {mail.subject!r} to {INVITED}")
    assert "Hi Carol" in mail.body, "the branded body (CustomMessage_AdminCreateUser)"
    temporary = re.search(r"temporary password <b>(.+?)</b>", mail.body)
    assert temporary, "the temporary password in the e-mail"
    challenge = local_stack.sign_in(web, INVITED, temporary.group(1))
    local_stack.note(f"sign-in with the temporary password: {challenge.get('ChallengeName')}")
    with local_stack.watch() as seen:
        result = local_stack.answer_challenge(
            web,
            challenge["Session"],
            {"USERNAME": INVITED, "NEW_PASSWORD": PASSWORD},
            challenge="NEW_PASSWORD_REQUIRED",
        )["AuthenticationResult"]
    assert seen.fired("TokenGeneration_NewPasswordChallenge", "handled")
    assert local_stack.claims("ID token", result["IdToken"]).get("role") == "guest"


def test_user_migration_on_a_correct_password_only(local_stack: LocalStack, pool: str) -> None:
    """UserMigration moves a legacy user on a correct password only"""
    local_stack.note("ministack does not fire UserMigration: invoked with sample events")
    local_stack.client("dynamodb").put_item(
        TableName=local_stack.output("LegacyUsersTableName"), Item=legacy_user()
    )
    local_stack.note(f"legacy record for {LEGACY} (argon2 hash) put in the deployed table")
    for password, migrates in ((PASSWORD, True), ("wrong-Password-1!", False)):
        event = make_event(
            "UserMigration_Authentication",
            userPoolId=pool,
            userName=LEGACY,
            request={"password": password},
        )
        reply = _invoked(local_stack, "UserMigrationFunction", event)
        status = (reply.get("response") or {}).get("finalUserStatus")
        assert (status == "CONFIRMED") == migrates, "CONFIRMED on the right password only"


def test_no_password_reaches_the_functions_logs(local_stack: LocalStack) -> None:
    """No password reached a function's log in the local AWS"""
    logs = local_stack.client("logs")
    for name in local_stack.functions.values():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            continue
        assert not [e for e in events if PASSWORD in json.dumps(e)], name
