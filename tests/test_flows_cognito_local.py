"""The example's flows through cognito-local, for the triggers the local AWS does not fire: its
functions run as built (``start-lambda``), with their deployed twins' environment, on the tools'
pytest plugin (``cognito_local``). One story, in file order; skipped where cognito-local cannot
be installed (no Node.js).
"""

from __future__ import annotations

from typing import Any

import pytest

from cognito_triggers_tools.pytest_plugin import CognitoLocalPool

from .flows import DENY_TEXT, LEGACY, PASSWORD, REFUSED, legacy_user, refused, said

pytestmark = pytest.mark.e2e
USER = "dana@example.org"


@pytest.fixture(scope="module")
def pool(cognito_local: CognitoLocalPool) -> dict[str, Any]:
    """A pool and a web client in cognito-local, with the group PostConfirmation adds users to."""
    idp = cognito_local.idp
    group = cognito_local.function_environment("PostConfirmationFunction")["DEFAULT_GROUP"]
    pool_id = idp.create_user_pool(
        PoolName="local", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"]
    )["UserPool"]["Id"]
    web = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="web")["UserPoolClient"]
    idp.create_group(UserPoolId=pool_id, GroupName=group)
    return {"id": pool_id, "web": web["ClientId"], "group": group}


def test_sign_up_fires_pre_sign_up_and_the_branded_message(
    cognito_local: CognitoLocalPool, pool: dict[str, Any]
) -> None:
    """Sign-up (dana@example.org): PreSignUp, then the branded CustomMessage"""
    with cognito_local.watch() as seen:
        reply = cognito_local.sign_up(
            pool["web"], USER, PASSWORD, {"email": USER, "custom:tenant": "acme"}
        )
    cognito_local.note(f"UserConfirmed: {reply['UserConfirmed']}")
    assert not reply["UserConfirmed"], "an unconfirmed user (example.org needs its code)"
    assert seen.fired("PreSignUp_SignUp", "handled")
    assert seen.fired("CustomMessage_SignUp", "handled"), "the code's message"


def test_refused_sign_up_reads_as_cognito_words_it(
    cognito_local: CognitoLocalPool, pool: dict[str, Any]
) -> None:
    """Refused sign-up: the client sees Cognito's words around the Deny text"""
    error = refused(
        lambda: cognito_local.sign_up(pool["web"], REFUSED, PASSWORD, {"email": REFUSED})
    )
    cognito_local.note(f"the client sees {said(error)}")
    assert f"PreSignUp failed with error {DENY_TEXT}." in said(error)


def test_confirmation_adds_the_default_group(
    cognito_local: CognitoLocalPool, pool: dict[str, Any]
) -> None:
    """Confirmation: PostConfirmation adds the user to the default group"""
    code = cognito_local.confirmation_code(pool["id"], USER)
    assert code, "a confirmation code in cognito-local's pool file"
    with cognito_local.watch() as seen:
        cognito_local.confirm_sign_up(pool["web"], USER, code)
    assert seen.fired("PostConfirmation_ConfirmSignUp", "handled")
    # cognito-local lists a user's groups by the stored username (the sub), not the e-mail.
    username = cognito_local.user(pool["id"], USER)["Username"]
    groups = cognito_local.groups(pool["id"], username)
    cognito_local.note(f"groups: {groups} (AdminAddUserToGroup answered by cognito-local)")
    assert pool["group"] in groups


def test_sign_in_fires_post_authentication_and_pre_token_generation(
    cognito_local: CognitoLocalPool, pool: dict[str, Any]
) -> None:
    """Sign-in: PostAuthentication and the (V1) pre token generation"""
    with cognito_local.watch() as seen:
        result = cognito_local.sign_in(pool["web"], USER, PASSWORD)["AuthenticationResult"]
    assert seen.fired("PostAuthentication_Authentication", "handled")
    assert seen.fired("TokenGeneration_Authentication", "handled")
    claims = cognito_local.verify(result["IdToken"], pool["web"])  # RS256, its JWKS
    assert cognito_local.verify(result["AccessToken"], pool["web"])["client_id"] == pool["web"]
    cognito_local.note("ID and access tokens verified with cognito-local's JWKS, for the client")
    assert cognito_local.claims("ID token", result["IdToken"]) == claims
    assert claims.get("tenant") == "acme"
    cognito_local.note(
        "(cognito-local sends V1 events with no groupConfiguration: the role is guest)"
    )


def test_legacy_user_is_migrated_on_first_sign_in(
    cognito_local: CognitoLocalPool, pool: dict[str, Any]
) -> None:
    """A legacy user's first sign-in (lee@example.org) is migrated by UserMigration"""
    table = cognito_local.function_environment("UserMigrationFunction")["LEGACY_USERS_TABLE"]
    cognito_local.aws.client("dynamodb").put_item(TableName=table, Item=legacy_user())
    cognito_local.note(f"legacy record (argon2 hash) put in {table} of the local AWS")
    wrong = refused(lambda: cognito_local.sign_in(pool["web"], LEGACY, "wrong-Password-1!"))
    cognito_local.note(f"a wrong password: {said(wrong)}")
    with cognito_local.watch() as seen:
        result = cognito_local.sign_in(pool["web"], LEGACY, PASSWORD)["AuthenticationResult"]
    assert seen.fired("UserMigration_Authentication", "handled")
    claims = cognito_local.claims("ID token", result["IdToken"])
    assert claims.get("tenant") == "legacy-co"
    status = cognito_local.user(pool["id"], LEGACY)["UserStatus"]
    cognito_local.note(f"UserStatus: {status}")
    assert status == "CONFIRMED"
