"""The flows ``make run`` (``cognito-triggers flows``) plays against the example application,
deployed to a local AWS, and through cognito-local for the triggers that AWS does not fire.

Each step does what a user's client does (boto3, HTTP), then checks what the client sees. The
report adds the triggers that fired. Codes and passwords are read and typed, never printed.
"""

from __future__ import annotations

import base64
import json
import re
import time
import urllib.parse
import urllib.request
from typing import Any

from argon2 import PasswordHasher
from botocore.exceptions import ClientError

from cognito_triggers.testing import make_event
from cognito_triggers_tools.flows import CognitoLocalPlay, DeployedPlay, Step
from cognito_triggers_tools.local_deploy import Ministack

# The pool sends through SES from the template's SenderEmail (no-reply@example.com): the domain
# is the identity to verify, as a real account does once before deploying.
SES_DOMAIN = "example.com"
PARAMETERS = {"SesIdentity": SES_DOMAIN}

PASSWORD = "Correct-Horse-9-battery!"  # meets the pool's policy; typed, never printed
TRUSTED = "ann@example.com"  # TrustedEmailDomain: confirmed by PreSignUp
ALLOWED = "bob@example.org"  # an AllowedEmailDomains address: confirms with a code
REFUSED = "eve@elsewhere.test"
INVITED = "carol@example.com"
LEGACY = "lee@example.org"  # in the legacy store only, until their first sign-in
DENY_TEXT = "Sign-up is open to example.com, example.org addresses only"
SIX_DIGITS = re.compile(r"\b(\d{6})\b")


def prepare(aws: Ministack) -> None:
    """The account as the stack expects it: the SES identity the pool and functions send from."""
    aws.client("ses").verify_domain_identity(Domain=SES_DOMAIN)


def _attributes(user: dict[str, Any]) -> dict[str, str]:
    listed = user.get("UserAttributes") or user.get("Attributes") or []
    return {a["Name"]: a["Value"] for a in listed}


def _error(call: Any) -> ClientError:
    """The ClientError ``call()`` raises; a step failure if it succeeds."""
    try:
        call()
    except ClientError as error:
        return error
    raise AssertionError("the call succeeded; expected Cognito to refuse it")


def _sign_in(idp: Any, client_id: str, username: str, password: str) -> dict[str, Any]:
    """InitiateAuth with USER_PASSWORD_AUTH: tokens, or the next challenge."""
    reply: dict[str, Any] = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    return reply


def _said(error: ClientError) -> str:
    return f"{error.response['Error']['Code']}: {error.response['Error'].get('Message', '')}"


def _last_email(aws: Ministack, to: str, subject: str) -> dict[str, Any]:
    sent = [m for m in aws.sent_emails() if to in m.get("To", []) and subject in m["Subject"]]
    if not sent:
        raise AssertionError(f"no e-mail to {to} with {subject!r} in the local SES")
    return sent[-1]


def _emails_to(aws: Ministack, to: str, subject: str) -> int:
    return sum(1 for m in aws.sent_emails() if to in m.get("To", []) and subject in m["Subject"])


def _legacy_user(hasher: PasswordHasher) -> dict[str, Any]:
    return {
        "username": {"S": LEGACY},
        "email": {"S": LEGACY},
        "given_name": {"S": "Lee"},
        "tenant": {"S": "legacy-co"},
        "password_hash": {"S": hasher.hash(PASSWORD)},
    }


# -- deployed to the local AWS ------------------------------------------------------------------


def deployed(play: DeployedPlay) -> None:
    idp = play.aws.client("cognito-idp")
    pool, web = play.output("UserPoolId"), play.output("WebClientId")

    def sign_up(step: Step, email: str) -> dict[str, Any]:
        attributes = [{"Name": "email", "Value": email}, {"Name": "custom:tenant", "Value": "acme"}]
        reply: dict[str, Any] = idp.sign_up(
            ClientId=web, Username=email, Password=PASSWORD, UserAttributes=attributes
        )
        step.note(f"UserConfirmed: {reply['UserConfirmed']}")
        return reply

    def user(email: str) -> dict[str, Any]:
        found: dict[str, Any] = idp.admin_get_user(UserPoolId=pool, Username=email)
        return found

    with play.step(f"Sign-up from the trusted domain ({TRUSTED}) is confirmed on the spot") as s:
        s.check(sign_up(s, TRUSTED)["UserConfirmed"], "UserConfirmed (autoConfirmUser)")
        verified = _attributes(user(TRUSTED)).get("email_verified")
        s.note(f"email_verified: {verified} (no one has shown they own the mailbox yet)")
        s.check(verified != "true", "the address not taken as verified")

    with play.step(f"Sign-up from an allowed domain ({ALLOWED}) waits for its e-mailed code") as s:
        s.check(not sign_up(s, ALLOWED)["UserConfirmed"], "an unconfirmed user")
        mail = _last_email(play.aws, ALLOWED, "verification code")
        s.note(f"e-mail {mail['Subject']!r} sent to {ALLOWED} ({mail.get('Type', 'SES')})")

    with play.step(f"Sign-up from any other domain ({REFUSED}) is refused with the Deny text") as s:
        error = _error(lambda: sign_up(s, REFUSED))
        s.note(f"the client sees {_said(error)}")
        s.check(DENY_TEXT in _said(error), f"the handler's text {DENY_TEXT!r}")
        s.note("(AWS words it `PreSignUp failed with error <text>.`; ministack passes the JSON)")

    with play.step("Confirmation with the code read from the local SES") as s:
        mail = _last_email(play.aws, ALLOWED, "verification code")
        code = SIX_DIGITS.search(mail["BodyText"] or mail["BodyHtml"])
        s.check(code, "a six-digit code in the e-mail")
        assert code is not None
        idp.confirm_sign_up(ClientId=web, Username=ALLOWED, ConfirmationCode=code.group(1))
        status = user(ALLOWED)["UserStatus"]
        s.note(f"UserStatus: {status}")
        s.check(status == "CONFIRMED", "CONFIRMED")

    with play.step("PostConfirmation adds each confirmed user to the default group") as s:
        s.note("ministack does not fire PostConfirmation: invoked with a sample event per user")
        for email in (TRUSTED, ALLOWED):
            found = user(email)
            event = make_event(
                "PostConfirmation_ConfirmSignUp", userPoolId=pool, userName=found["Username"]
            )
            event["callerContext"]["clientId"] = web
            event["request"]["userAttributes"] = _attributes(found)
            play.invoke(s, "PostConfirmationFunction", event)
            groups = idp.admin_list_groups_for_user(UserPoolId=pool, Username=email)["Groups"]
            names = [g["GroupName"] for g in groups]
            s.note(f"{email} groups: {names}")
            s.check("members" in names, f"{email} in members")

    with play.step(f"{ALLOWED} verified their address: the role needs it") as s:
        verified = _attributes(user(ALLOWED)).get("email_verified")
        s.note(f"email_verified after ConfirmSignUp: {verified}")
        if verified != "true":
            # AWS marks the address verified when its code confirms the sign-up; ministack
            # does not, so the admin API does what that confirmation does.
            s.note("(ministack does not set it on ConfirmSignUp, as AWS does: set by an admin)")
            idp.admin_update_user_attributes(
                UserPoolId=pool,
                Username=ALLOWED,
                UserAttributes=[{"Name": "email_verified", "Value": "true"}],
            )

    tokens: dict[str, Any] = {}
    with play.step("Sign-in with a password: the pre token generation claims") as s:
        result = _sign_in(idp, web, ALLOWED, PASSWORD)["AuthenticationResult"]
        tokens.update(result)
        id_claims = s.claims(f"{ALLOWED} ID token", result["IdToken"])
        access_claims = s.claims(f"{ALLOWED} access token", result["AccessToken"])
        for claims in (id_claims, access_claims):
            s.check(claims.get("tenant") == "acme", "tenant=acme in both tokens (V3)")
            s.check(claims.get("role") == "member", "role=member (verified, in members)")
        result = _sign_in(idp, web, TRUSTED, PASSWORD)["AuthenticationResult"]
        claims = s.claims(f"{TRUSTED} access token", result["AccessToken"])
        s.check(claims.get("role") == "guest", "role=guest until the address is verified")

    with play.step("Refresh: the claims are added again (TokenGeneration_RefreshTokens)") as s:
        result = idp.initiate_auth(
            ClientId=web,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
        )["AuthenticationResult"]
        claims = s.claims("access token", result["AccessToken"])
        s.check(claims.get("tenant") == "acme", "tenant=acme in the refreshed access token")

    with play.step("PreAuthentication refuses a blocked user and lets the others in") as s:
        s.note("ministack does not fire PreAuthentication: invoked with sample events")
        idp.admin_update_user_attributes(
            UserPoolId=pool,
            Username=ALLOWED,
            UserAttributes=[{"Name": "custom:blocked", "Value": "true"}],
        )
        for email, blocked in ((ALLOWED, True), (TRUSTED, False)):
            found = user(email)
            signing_in = make_event(
                "PreAuthentication_Authentication", userPoolId=pool, userName=found["Username"]
            )
            signing_in["request"]["userAttributes"] = _attributes(found)
            payload = play.invoke(s, "PreAuthenticationFunction", signing_in)
            refused = "errorMessage" in payload
            s.check(refused == blocked, f"{email} {'refused' if blocked else 'let in'}")

    with play.step("A blocked user's refresh: pre token generation refuses the tokens") as s:
        started = int(time.time() * 1000)
        try:
            idp.initiate_auth(
                ClientId=web,
                AuthFlow="REFRESH_TOKEN_AUTH",
                AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]},
            )
        except ClientError as error:
            s.note(f"the client sees {_said(error)}")
        else:  # AWS fails the refresh with the function's error
            s.note("(ministack issued tokens anyway: it ignores a pre token generation error)")
        denials = [
            run
            for run in play.stack.runs_since(started)
            if run.source == "TokenGeneration_RefreshTokens" and run.outcome == "denied"
        ]
        s.check(denials, "PreTokenGenerationFunction to deny the refresh")

    with play.step("PostAuthentication records the sign-in") as s:
        s.note("ministack does not fire PostAuthentication: invoked with a sample event")
        found = user(TRUSTED)
        signed_in = make_event(
            "PostAuthentication_Authentication", userPoolId=pool, userName=found["Username"]
        )
        signed_in["request"]["userAttributes"] = _attributes(found)
        payload = play.invoke(s, "PostAuthenticationFunction", signed_in)
        s.check("errorMessage" not in payload, "no error")

    with play.step("Sign-in with an e-mailed one-time code (CUSTOM_AUTH)") as s:
        before = _emails_to(play.aws, TRUSTED, "sign-in code")
        challenge = idp.initiate_auth(
            ClientId=web, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": TRUSTED}
        )
        s.note(f"challenge {challenge['ChallengeName']}: {challenge['ChallengeParameters']}")
        mail = _last_email(play.aws, TRUSTED, "sign-in code")
        code = SIX_DIGITS.search(mail["BodyText"] or mail["BodyHtml"])
        s.check(code, "a six-digit code in the e-mail")
        assert code is not None
        s.check(_emails_to(play.aws, TRUSTED, "sign-in code") == before + 1, "one e-mail sent")
        result = idp.respond_to_auth_challenge(
            ClientId=web,
            ChallengeName="CUSTOM_CHALLENGE",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": TRUSTED, "ANSWER": code.group(1)},
        )["AuthenticationResult"]
        claims = s.claims("ID token", result["IdToken"])
        s.check(claims.get("tenant") == "acme", "tokens with the claims")

    with play.step("Three wrong codes end the sign-in; the code is e-mailed once") as s:
        before = _emails_to(play.aws, TRUSTED, "sign-in code")
        reply = idp.initiate_auth(
            ClientId=web, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": TRUSTED}
        )
        for attempt in (1, 2, 3):
            try:
                reply = idp.respond_to_auth_challenge(
                    ClientId=web,
                    ChallengeName="CUSTOM_CHALLENGE",
                    Session=reply["Session"],
                    ChallengeResponses={"USERNAME": TRUSTED, "ANSWER": "not-a-code"},
                )
            except ClientError as error:
                s.note(f"attempt {attempt}: {_said(error)}")
                s.check(attempt == 3, "another chance before the third wrong code")
                break
            s.note(f"attempt {attempt}: {reply.get('ChallengeName')} again")
        else:
            raise AssertionError("the third wrong code did not end the sign-in")
        sent = _emails_to(play.aws, TRUSTED, "sign-in code") - before
        s.note(f"e-mails sent: {sent}")
        s.check(sent == 1, "one e-mail: retries reuse the code")

    with play.step("A machine client's client_credentials token carries its claims") as s:
        agent = idp.describe_user_pool_client(
            UserPoolId=pool, ClientId=play.output("AgentGatewayClientId")
        )["UserPoolClient"]
        secret = f"{agent['ClientId']}:{agent['ClientSecret']}".encode()
        request = urllib.request.Request(  # noqa: S310 - the local AWS on loopback
            f"{play.aws.url}/oauth2/token",
            data=urllib.parse.urlencode(
                {"grant_type": "client_credentials", "scope": "agents/invoke agents/read"}
            ).encode(),
            headers={
                "Authorization": f"Basic {base64.b64encode(secret).decode()}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            token = json.loads(answer.read())["access_token"]
        s.note("POST /oauth2/token grant_type=client_credentials")
        claims = s.claims("access token", token)
        s.check(claims.get("department") == "support", "department=support (SSM client table)")
        s.check(claims.get("groups") == ["agents", "gateway"], "groups=[agents, gateway]")

    with play.step("Invitation (AdminCreateUser): the branded e-mail, then a new password") as s:
        idp.admin_create_user(
            UserPoolId=pool,
            Username=INVITED,
            UserAttributes=[
                {"Name": "email", "Value": INVITED},
                {"Name": "given_name", "Value": "Carol"},
            ],
            DesiredDeliveryMediums=["EMAIL"],
        )
        mail = _last_email(play.aws, INVITED, "invited")
        s.note(f"e-mail {mail['Subject']!r} to {INVITED}")
        s.check("Hi Carol" in mail["BodyHtml"], "the branded body (CustomMessage_AdminCreateUser)")
        temporary = re.search(r"temporary password <b>(.+?)</b>", mail["BodyHtml"])
        s.check(temporary, "the temporary password in the e-mail")
        assert temporary is not None
        challenge = _sign_in(idp, web, INVITED, temporary.group(1))
        s.note(f"sign-in with the temporary password: {challenge.get('ChallengeName')}")
        result = idp.respond_to_auth_challenge(
            ClientId=web,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=challenge["Session"],
            ChallengeResponses={"USERNAME": INVITED, "NEW_PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        claims = s.claims("ID token", result["IdToken"])
        s.check(claims.get("role") == "guest", "role=guest (no group yet)")

    with play.step("UserMigration moves a legacy user on a correct password only") as s:
        s.note("ministack does not fire UserMigration: invoked with sample events")
        play.aws.client("dynamodb").put_item(
            TableName=play.output("LegacyUsersTableName"), Item=_legacy_user(PasswordHasher())
        )
        s.note(f"legacy record for {LEGACY} (argon2 hash) put in the deployed table")
        for password, migrates in ((PASSWORD, True), ("wrong-Password-1!", False)):
            migrating = make_event(
                "UserMigration_Authentication",
                userPoolId=pool,
                userName=LEGACY,
                request={"password": password},
            )
            payload = play.invoke(s, "UserMigrationFunction", migrating)
            status = (payload.get("response") or {}).get("finalUserStatus")
            s.check((status == "CONFIRMED") == migrates, "CONFIRMED on the right password only")


# -- through cognito-local and start-lambda ------------------------------------------------------


def cognito_local(play: CognitoLocalPlay) -> None:
    idp = play.cognito.client()
    group = play.function_environment("PostConfirmationFunction")["DEFAULT_GROUP"]
    pool = idp.create_user_pool(
        PoolName="local", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"]
    )["UserPool"]["Id"]
    web = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"][
        "ClientId"
    ]
    idp.create_group(UserPoolId=pool, GroupName=group)
    user = "dana@example.org"

    with play.step(f"Sign-up ({user}): PreSignUp, then the branded CustomMessage") as s:
        reply = idp.sign_up(
            ClientId=web,
            Username=user,
            Password=PASSWORD,
            UserAttributes=[
                {"Name": "email", "Value": user},
                {"Name": "custom:tenant", "Value": "acme"},
            ],
        )
        s.note(f"UserConfirmed: {reply['UserConfirmed']}")
        s.check(not reply["UserConfirmed"], "an unconfirmed user (example.org needs its code)")
        sources = {record.source for record in play.server.invocations}
        s.check("CustomMessage_SignUp" in sources, "the code's message through CustomMessage")

    with play.step("Refused sign-up: the client sees Cognito's words around the Deny text") as s:
        error = _error(
            lambda: idp.sign_up(
                ClientId=web,
                Username=REFUSED,
                Password=PASSWORD,
                UserAttributes=[{"Name": "email", "Value": REFUSED}],
            )
        )
        s.note(f"the client sees {_said(error)}")
        s.check(f"PreSignUp failed with error {DENY_TEXT}." in _said(error), "Cognito's wording")

    with play.step(f"Confirmation: PostConfirmation adds the user to {group!r}") as s:
        code = play.cognito.confirmation_code(pool, user)
        s.check(code, "a confirmation code in cognito-local's pool file")
        idp.confirm_sign_up(ClientId=web, Username=user, ConfirmationCode=code)
        # cognito-local lists a user's groups by the stored username (the sub), not the e-mail.
        username = idp.admin_get_user(UserPoolId=pool, Username=user)["Username"]
        groups = [
            g["GroupName"]
            for g in idp.admin_list_groups_for_user(UserPoolId=pool, Username=username)["Groups"]
        ]
        s.note(f"groups: {groups} (AdminAddUserToGroup answered by cognito-local)")
        s.check(group in groups, f"the user in {group}")

    with play.step("Sign-in: PostAuthentication and the (V1) pre token generation") as s:
        result = _sign_in(idp, web, user, PASSWORD)["AuthenticationResult"]
        claims = s.claims("ID token", result["IdToken"])
        s.check(claims.get("tenant") == "acme", "tenant=acme in the ID token")
        s.note("(cognito-local sends V1 events with no groupConfiguration: the role is guest)")

    with play.step(f"A legacy user's first sign-in ({LEGACY}) is migrated by UserMigration") as s:
        table = play.function_environment("UserMigrationFunction")["LEGACY_USERS_TABLE"]
        play.aws.client("dynamodb").put_item(TableName=table, Item=_legacy_user(PasswordHasher()))
        s.note(f"legacy record (argon2 hash) put in {table} of the local AWS")
        wrong = _error(lambda: _sign_in(idp, web, LEGACY, "wrong-Password-1!"))
        s.note(f"a wrong password: {_said(wrong)}")
        result = _sign_in(idp, web, LEGACY, PASSWORD)["AuthenticationResult"]
        claims = s.claims("ID token", result["IdToken"])
        s.check(claims.get("tenant") == "legacy-co", "the migrated tenant in the token")
        status = idp.admin_get_user(UserPoolId=pool, Username=LEGACY)["UserStatus"]
        s.note(f"UserStatus: {status}")
        s.check(status == "CONFIRMED", "a CONFIRMED user")
