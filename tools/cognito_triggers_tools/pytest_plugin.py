"""The pytest plugin of the tools (entry point ``pytest11``): integration tests of a project's own
template, deployed to a local AWS once per test run.

Fixtures (session-scoped; a test that uses one deploys, once, and is an integration test):

- ``local_stack``: the project built (``cognito-triggers build`` if there is no build yet) and
  ``sam deploy``-ed to ministack (pinned, started and stopped by the plugin, with
  ``MINISTACK_COGNITO_PRETOKEN_STRICT=1`` so that a pre token generation error refuses the tokens,
  as in AWS). A :class:`LocalStack`: the stack's outputs and helpers to sign up, in, out of
  challenges, through the hosted UI, as a machine; the e-mails the pool sent; the trigger calls.
- ``local_aws``: ministack itself (:class:`~.local_deploy.Ministack`), for what a test puts in
  the account before the deploy (override ``cognito_triggers_parameters`` to use it).
- ``cognito_local``: cognito-local (npm, pinned) calling the built functions through
  ``start-lambda``, for the triggers ministack does not fire (PostConfirmation,
  PostAuthentication, UserMigration, more CustomMessage sources). Skips where it cannot be
  installed (no Node.js). A :class:`CognitoLocalPool`.
- ``cognito_triggers_parameters``: the template's parameter overrides for the deploy (none by
  default); override it in ``conftest.py``.

Options (or the ini keys of the same name with underscores): ``--cognito-triggers-project``
(the folder of ``template.yaml``; the rootdir by default), ``--cognito-triggers-stack-name``
(the project folder's name by default), ``--cognito-triggers-no-cognito-local``, and
``--cognito-triggers-report`` (a readable report of every such test, with the triggers each one
fired: what ``cognito-triggers flows`` prints).

A test that used a fixture fails when a trigger function failed during it (an exception, a
failed init), unless it is marked ``@pytest.mark.expect_trigger_failure`` (it then checks the
failure itself, with ``watch()``); the run fails when the tests deployed but no function ran at
all.
"""

from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from .cfn import stack_name_of
from .emulator import _free_port, load_source_template
from .local_deploy import (
    DeployedStack,
    FunctionRun,
    Ministack,
    ministack,
    sam_deploy,
)
from .outcome import changes
from .start_lambda import InvocationRecord, LambdaInvokeServer
from .toolchain import MINISTACK_VERSION, ToolError

__all__ = [
    "STANDARD_CLAIMS",
    "CognitoLocalPool",
    "Email",
    "LocalStack",
    "TokenInvalid",
    "TokenRefused",
    "TriggerCall",
    "Watch",
]

_LOGS = Path(".aws-sam") / "local"
_SIX_DIGITS = re.compile(r"\b(\d{6})\b")
_LINK = re.compile(r"https?://[^\s\"'<>]+")
STANDARD_CLAIMS = frozenset(
    {
        *("sub", "iss", "aud", "exp", "iat", "jti", "auth_time", "origin_jti", "event_id"),
        *("token_use", "client_id", "username", "cognito:username", "scope", "version"),
        *("email_verified", "nonce", "at_hash"),
    }
)
"""Claims every Cognito token has; ``claims()`` notes the others (the triggers')."""


# -- what a test sees ---------------------------------------------------------------------------


class TokenInvalid(AssertionError):
    """``verify()`` refused a token; the message says what failed (the signature, the expiry,
    ``token_use``, the ``aud`` of an ID token or the ``client_id`` of an access token)."""


class TokenRefused(AssertionError):
    """The pool's ``/oauth2/token`` refused a request: its HTTP ``status`` and ``error`` (the
    body's OAuth error, with its ``error_description``; empty when the body is: ministack's 500
    for a client-credentials request that pre token generation refuses). Never the secret."""

    def __init__(self, what: str, status: int, body: bytes) -> None:
        self.status = status
        self.error = _oauth_error(body)
        said = f"{status} {self.error}" if self.error else f"{status} and an empty body"
        super().__init__(f"POST /oauth2/token refused {what}: {said}")


def _oauth_error(body: bytes) -> str:
    """The OAuth error of a refusal's body (RFC 6749 section 5.2), else its first line."""
    text = body.decode("utf-8", errors="replace").strip()
    try:
        given = json.loads(text)
    except ValueError:
        return text.splitlines()[0][:200] if text else ""
    if not isinstance(given, dict) or "error" not in given:
        return text[:200]
    described = given.get("error_description")
    return f"{given['error']}: {described}" if described else str(given["error"])


@dataclass(frozen=True)
class TriggerCall:
    """One call of a trigger function, as the function's own log (or ``start-lambda``) tells it."""

    function: str
    """The function's logical id."""
    source: str
    """The event's ``triggerSource`` (empty when the function's log does not say)."""
    outcome: str
    """``handled``, ``denied``, ``unhandled`` or ``failed``; ``ran`` when nothing says more."""
    duration_ms: float | None
    cold: bool
    error: str | None
    """What failed (the exception's type and message, or the failed init), when it failed."""
    via: str
    """``local AWS`` or ``cognito-local``."""
    metrics: tuple[str, ...] = ()
    """The application's own metrics of the call (the local AWS's, from the router's lines)."""

    @property
    def failed(self) -> bool:
        return self.outcome == "failed" or self.error is not None

    def describe(self) -> str:
        source = self.source or "(no trigger metrics)"
        took = f", {self.duration_ms:.0f} ms" if self.duration_ms is not None else ""
        cold = " (cold)" if self.cold else ""
        extra = f" [{', '.join(self.metrics)}]" if self.metrics else ""
        error = f"; error: {self.error}" if self.error else ""
        return f"{source} -> {self.function}: {self.outcome}{extra}{took}{cold}{error}"

    @classmethod
    def of_run(cls, run: FunctionRun, cold: bool) -> TriggerCall:
        outcome = run.outcome or ("failed" if run.failed else "ran")
        return cls(
            run.logical_id,
            run.source,
            outcome,
            run.duration_ms,
            cold,
            "; ".join(run.errors) or None,
            "local AWS",
            tuple(run.metrics),
        )

    @classmethod
    def of_record(cls, record: InvocationRecord) -> TriggerCall:
        result = record.outcome.result
        if result == "ok":
            outcome, error = "handled", None
        elif result.startswith("denied"):
            outcome, error = "denied", None
        else:
            outcome = "failed"
            error = record.outcome.cause or result.removeprefix("error: ")
        return cls(
            record.function,
            record.source,
            outcome,
            record.duration * 1000,
            record.cold,
            error,
            "cognito-local",
        )


@dataclass(frozen=True)
class Email:
    """One e-mail the pool (or a function, through SES) sent."""

    to: tuple[str, ...]
    subject: str
    body: str
    """The HTML body, or the text one when there is no HTML."""

    @property
    def code(self) -> str | None:
        """The first six-digit code in the body (a verification or sign-in code)."""
        found = _SIX_DIGITS.search(self.body)
        return found.group(1) if found else None

    @property
    def link(self) -> str | None:
        """The first http(s) link in the body."""
        found = _LINK.search(self.body)
        return html.unescape(found.group()) if found else None


@dataclass
class Watch:
    """What a ``with stack.watch()`` block saw: the trigger calls, filled in at its end."""

    calls: list[TriggerCall] = field(default_factory=list)

    def fired(self, source: str, outcome: str | None = None) -> list[TriggerCall]:
        return [c for c in self.calls if c.source == source and outcome in (None, c.outcome)]


def decode(token: str) -> dict[str, Any]:
    """A JWT's claims, its signature not checked (``verify()`` of a pool checks it)."""
    import jwt

    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _pool_id(token: str) -> str:
    """The user pool that issued ``token``: the last part of its issuer."""
    return str(decode(token)["iss"]).rsplit("/", 1)[-1]


def _verified(pool_url: str, token: str, client_id: str | None) -> dict[str, Any]:
    """``token``'s claims once checked as AWS says a user pool's JWT is: the RS256 signature
    against the pool's JWKS, the expiry, ``token_use``, then the client: ``aud`` in an ID token,
    ``client_id`` in an access token, which has no ``aud``
    (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html)."""
    import jwt

    try:
        jwks = f"{pool_url}/{_pool_id(token)}/.well-known/jwks.json"
        key = jwt.PyJWKClient(jwks).get_signing_key_from_jwt(token)
        claims: dict[str, Any] = jwt.decode(
            token, key.key, algorithms=["RS256"], options={"verify_aud": False, "require": ["exp"]}
        )
    except (jwt.PyJWTError, KeyError) as error:
        reason = f"no {error} claim" if isinstance(error, KeyError) else str(error)
        raise TokenInvalid(f"the token is not verified: {reason}") from None
    use = claims.get("token_use")
    if use not in ("id", "access"):
        raise TokenInvalid(f"the token's token_use is {use!r}: neither an ID nor an access token")
    claim = "aud" if use == "id" else "client_id"
    if client_id is not None and claims.get(claim) != client_id:
        raise TokenInvalid(
            f"the {use} token's {claim} is {claims.get(claim)!r}, not the app client {client_id}"
        )
    return claims


def _pkce() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge (RFC 7636)."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> None:
        return None


class _FormFields(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "input" and named.get("type") == "hidden" and named.get("name"):
            self.fields[str(named["name"])] = named.get("value") or ""


class _Pool:
    """Sign-up and sign-in as a client does, against a Cognito user pool API (boto3)."""

    url: str
    _state: _State

    def note(self, text: str) -> None:
        """A line for the report of the running test (never a secret: codes and passwords are
        typed, not noted)."""
        if self._state.current is not None:
            self._state.current.notes.append(text)

    def claims(self, label: str, token: str) -> dict[str, Any]:
        """``token``'s claims (decoded, not verified); notes those beyond Cognito's own."""
        claims = decode(token)
        added = {k: v for k, v in claims.items() if k not in STANDARD_CLAIMS}
        self.note(f"{label}: {json.dumps(added, sort_keys=True)}")
        return claims

    @property
    def idp(self) -> Any:
        raise NotImplementedError

    def mark(self) -> int:
        """Where the record of trigger calls stands now, for :meth:`calls_since`."""
        raise NotImplementedError

    def calls_since(self, mark: int) -> list[TriggerCall]:
        raise NotImplementedError

    @contextmanager
    def watch(self) -> Iterator[Watch]:
        """The trigger calls made while the ``with`` runs, in ``.calls`` at its end."""
        seen = Watch()
        mark = self.mark()
        try:
            yield seen
        finally:
            seen.calls = self.calls_since(mark)

    def sign_up(
        self,
        client_id: str,
        username: str,
        password: str,
        attributes: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """SignUp: the reply (``UserConfirmed``, ``UserSub``)."""
        reply: dict[str, Any] = self.idp.sign_up(
            ClientId=client_id,
            Username=username,
            Password=password,
            UserAttributes=[{"Name": k, "Value": v} for k, v in (attributes or {}).items()],
        )
        return reply

    def confirm_sign_up(self, client_id: str, username: str, code: str) -> None:
        self.idp.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)

    def sign_in(self, client_id: str, username: str, password: str) -> dict[str, Any]:
        """InitiateAuth with USER_PASSWORD_AUTH: ``AuthenticationResult`` or the next challenge."""
        reply: dict[str, Any] = self.idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        return reply

    def refresh(self, client_id: str, refresh_token: str) -> dict[str, Any]:
        """InitiateAuth with REFRESH_TOKEN_AUTH: the ``AuthenticationResult``."""
        reply: dict[str, Any] = self.idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": refresh_token},
        )
        return dict(reply["AuthenticationResult"])

    def start_custom_auth(self, client_id: str, username: str) -> dict[str, Any]:
        """InitiateAuth with CUSTOM_AUTH: the first challenge (``Session``, its parameters)."""
        reply: dict[str, Any] = self.idp.initiate_auth(
            ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": username}
        )
        return reply

    def answer_challenge(
        self,
        client_id: str,
        session: str,
        responses: Mapping[str, str],
        challenge: str = "CUSTOM_CHALLENGE",
    ) -> dict[str, Any]:
        """RespondToAuthChallenge: tokens, or the next challenge."""
        reply: dict[str, Any] = self.idp.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName=challenge,
            Session=session,
            ChallengeResponses=dict(responses),
        )
        return reply

    def user(self, pool_id: str, username: str) -> dict[str, Any]:
        """AdminGetUser, with ``attributes`` added as a name -> value dict."""
        found: dict[str, Any] = self.idp.admin_get_user(UserPoolId=pool_id, Username=username)
        found["attributes"] = {a["Name"]: a["Value"] for a in found.get("UserAttributes", [])}
        return found

    def groups(self, pool_id: str, username: str) -> list[str]:
        listed = self.idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=username)
        return [g["GroupName"] for g in listed["Groups"]]


# -- the deployed stack ------------------------------------------------------------------------


class LocalStack(_Pool):
    """The project's stack deployed to ministack, and what a test needs of it."""

    def __init__(self, deployed: DeployedStack, state: _State) -> None:
        self._state = state
        self.deployed = deployed
        self.aws: Ministack = deployed.aws
        self.url = deployed.aws.url
        self.name = deployed.name
        self.outputs: dict[str, str] = deployed.outputs
        self.functions: dict[str, str] = deployed.functions
        """Logical id -> function name, of every function of the stack."""
        self._first: dict[str, tuple[int, str]] = {}
        """Logical id -> (timestamp, request id) of its first call since the deploy: the cold one
        (a function whose router writes no ``ColdStart`` metric is known cold by this alone)."""

    @cached_property
    def idp(self) -> Any:
        return self.aws.client("cognito-idp")

    def client(self, service: str) -> Any:
        """A boto3 client of the local AWS."""
        return self.aws.client(service)

    def output(self, key: str) -> str:
        try:
            return self.outputs[key]
        except KeyError:
            raise KeyError(
                f"stack {self.name} has no output {key!r}: {sorted(self.outputs)}"
            ) from None

    def mark(self) -> int:
        return int(time.time() * 1000)

    def calls_since(self, mark: int) -> list[TriggerCall]:
        """Every trigger call since :meth:`mark`, oldest first, read from the functions' logs.
        Whether a call was cold is a fact of the call, the same however often it is read
        (``watch()`` reads a test's calls, then the report reads them again)."""
        runs = self.deployed.runs_since(mark)
        if any(run.logical_id not in self._first for run in runs):
            # A function's first call may precede ``mark``: its whole log says which it was.
            for run in self.deployed.runs_since(0):
                self._first.setdefault(run.logical_id, (run.timestamp, run.request_id))
        return [
            TriggerCall.of_run(
                run, run.cold or self._first.get(run.logical_id) == (run.timestamp, run.request_id)
            )
            for run in runs
        ]

    def emails(self, to: str | None = None, subject: str | None = None) -> list[Email]:
        """The e-mails the local SES accepted, oldest first; only those to ``to`` and with
        ``subject`` in their subject when given."""
        found = []
        for message in self.aws.sent_emails():
            email = Email(
                tuple(message.get("To", [])),
                str(message.get("Subject", "")),
                str(message.get("BodyHtml") or message.get("BodyText") or ""),
            )
            if (to is None or to in email.to) and (subject is None or subject in email.subject):
                found.append(email)
        return found

    def last_email(self, to: str, subject: str = "") -> Email:
        sent = self.emails(to, subject)
        if not sent:
            raise AssertionError(f"no e-mail to {to} with {subject!r} in the local SES")
        return sent[-1]

    def invoke(self, logical_id: str, event: Mapping[str, Any]) -> dict[str, Any]:
        """``event`` through the deployed function by the Lambda Invoke API, for a trigger the
        local AWS does not fire: the function's reply (Lambda's error object if it failed)."""
        reply = self.client("lambda").invoke(
            FunctionName=self.functions[logical_id], Payload=json.dumps(dict(event)).encode()
        )
        payload: dict[str, Any] = json.loads(reply["Payload"].read() or b"null")
        return payload

    @staticmethod
    def changes(event: Mapping[str, Any], reply: Any) -> list[str]:
        """What a function changed of the event (secrets masked)."""
        return changes(event, reply)

    def client_secret(self, client_id: str) -> str:
        described = self.idp.describe_user_pool_client(
            UserPoolId=self.pool_of(client_id), ClientId=client_id
        )
        return str(described["UserPoolClient"]["ClientSecret"])

    def pool_of(self, client_id: str) -> str:
        for pool in self.idp.list_user_pools(MaxResults=60)["UserPools"]:
            clients = self.idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)
            if any(c["ClientId"] == client_id for c in clients["UserPoolClients"]):
                return str(pool["Id"])
        raise KeyError(f"no user pool has the app client {client_id}")

    def _token_request(
        self, form: Mapping[str, str], client_id: str, *, authenticated: bool
    ) -> urllib.request.Request:
        """The POST to /oauth2/token; ``authenticated``: with the client's secret as HTTP Basic.
        The secret is read here and lives only in this frame, which has returned before anything
        can fail, so no traceback (pytest shows each frame's arguments) carries it."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if authenticated:
            secret = self.client_secret(client_id)
            basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        return urllib.request.Request(  # noqa: S310 - the local AWS on loopback
            f"{self.url}/oauth2/token", data=urllib.parse.urlencode(form).encode(), headers=headers
        )

    def _post_token(self, request: urllib.request.Request, what: str) -> Any:
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return json.loads(answer.read())
        except urllib.error.HTTPError as error:
            refused = TokenRefused(what, error.code, error.read())
        # Raised outside the handler: no chained traceback through urllib, whose frames hold
        # the request's headers.
        raise refused

    def client_credentials(self, client_id: str, scopes: list[str]) -> dict[str, Any]:
        """A machine's token (``grant_type=client_credentials`` at the domain's /oauth2/token);
        :class:`TokenRefused` if the pool refuses it."""
        form = {"grant_type": "client_credentials", "scope": " ".join(scopes)}
        request = self._token_request(form, client_id, authenticated=True)
        answer: dict[str, Any] = self._post_token(
            request, f"the client credentials of app client {client_id}"
        )
        return answer

    def hosted_ui_sign_in(
        self,
        client_id: str,
        username: str,
        password: str,
        *,
        redirect_uri: str,
        scopes: list[str] | None = None,
    ) -> dict[str, Any]:
        """The hosted UI's authorization code grant with PKCE (S256), as a browser does it:
        GET /oauth2/authorize, POST /login, the code from the redirect, POST /oauth2/token."""
        verifier, challenge = _pkce()
        state = secrets.token_urlsafe(16)
        query = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": " ".join(scopes or ["openid", "email"]),
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        opener = urllib.request.build_opener(_NoRedirect)
        authorize = f"{self.url}/oauth2/authorize?{urllib.parse.urlencode(query)}"
        with opener.open(authorize, timeout=30) as page:
            form = _FormFields()
            form.feed(page.read().decode())
        fields = {**form.fields, "username": username, "password": password}
        request = urllib.request.Request(  # noqa: S310 - the local AWS on loopback
            f"{self.url}/login", data=urllib.parse.urlencode(fields).encode()
        )
        try:
            with opener.open(request, timeout=30) as answer:
                raise AssertionError(f"the hosted UI did not redirect (status {answer.status})")
        except urllib.error.HTTPError as redirect:
            location = redirect.headers.get("Location", "")
            if redirect.code not in (302, 303) or not location.startswith(redirect_uri):
                raise AssertionError(
                    f"the hosted UI refused the sign-in ({redirect.code})"
                ) from None
        given = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
        if given.get("state") != [state] or "code" not in given:
            raise AssertionError(f"the redirect has no code for this state: {sorted(given)}")
        token_form = {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": given["code"][0],
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        request = self._token_request(token_form, client_id, authenticated=False)
        tokens: dict[str, Any] = self._post_token(
            request, f"the authorization code of app client {client_id}"
        )
        return tokens

    def verify(self, token: str, client_id: str | None = None) -> dict[str, Any]:
        """``token``'s claims, its RS256 signature checked against the pool's JWKS (ministack
        signs with the keys it publishes; the tools install it with cryptography for that), its
        expiry and ``token_use``, and given ``client_id``, that it was issued to that app client
        (an ID token's ``aud``, an access token's ``client_id``). :class:`TokenInvalid` if not."""
        return _verified(self.url, token, client_id)


# -- cognito-local -------------------------------------------------------------------------------


class CognitoLocalPool(_Pool):
    """cognito-local, whose triggers run the built functions through ``start-lambda`` (with the
    environment of their deployed twins, so their AWS calls reach the local AWS)."""

    def __init__(
        self, service: Any, server: LambdaInvokeServer, aws: Ministack, state: _State
    ) -> None:
        self._state = state
        self.service = service
        self.server = server
        self.aws = aws
        self.url: str = service.url

    @cached_property
    def idp(self) -> Any:
        return self.service.client()

    @property
    def fires(self) -> list[str]:
        """The LambdaConfig keys cognito-local fires for this template."""
        return sorted(self.service.config["TriggerFunctions"])

    def function_environment(self, logical_id: str) -> dict[str, str]:
        return self.server.environment_of(logical_id)

    def confirmation_code(self, pool_id: str, username: str) -> str | None:
        """The sign-up code cognito-local would have sent (it keeps it in its pool file)."""
        code: str | None = self.service.confirmation_code(pool_id, username)
        return code

    def mark(self) -> int:
        return self.server.served

    def calls_since(self, mark: int) -> list[TriggerCall]:
        """Every trigger call since :meth:`mark`, oldest first; each says whether it started a
        new emulator (cold), as ``start-lambda`` recorded it when it ran."""
        return [TriggerCall.of_record(record) for record in self.server.since(mark)]

    def verify(self, token: str, client_id: str | None = None) -> dict[str, Any]:
        """``token``'s claims, checked as :meth:`LocalStack.verify` does, against cognito-local's
        JWKS."""
        return _verified(self.url, token, client_id)


# -- the fixtures --------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("cognito-triggers", "cognito-triggers integration tests")
    for name, help_text in (
        ("project", "the folder of the project's template.yaml (default: the rootdir)"),
        ("stack_name", "the local stack's name (default: the project folder's name)"),
    ):
        group.addoption(f"--cognito-triggers-{name.replace('_', '-')}", help=help_text)
        parser.addini(f"cognito_triggers_{name}", help_text)
    group.addoption(
        "--cognito-triggers-no-cognito-local",
        action="store_true",
        help="skip the tests on cognito-local",
    )
    group.addoption(
        "--cognito-triggers-report",
        action="store_true",
        help="print every integration test with the triggers it fired",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: an integration test on the local AWS")
    config.addinivalue_line(
        "markers",
        "expect_trigger_failure: the test makes a trigger function fail on purpose (it checks "
        "the failure itself, through watch()); the plugin does not fail it for that",
    )
    config.stash[_STATE] = _State()


def _setting(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(f"cognito_triggers_{name}") or config.getini(
        f"cognito_triggers_{name}"
    )
    return str(value) if value else None


def _project(config: pytest.Config) -> Path:
    given = _setting(config, "project")
    root = (config.rootpath / given).resolve() if given else config.rootpath
    if not (root / "template.yaml").is_file():
        raise pytest.UsageError(
            f"no template.yaml in {root}: give the project's folder with "
            "--cognito-triggers-project (or the cognito_triggers_project ini key)"
        )
    return root


@dataclass
class _Entry:
    title: str
    outcome: str = "passed"
    seconds: float = 0.0
    """The test's body: not its set-up, where the session's deploy happens (its own line says
    how long that took)."""
    notes: list[str] = field(default_factory=list)
    calls: list[TriggerCall] = field(default_factory=list)
    why: str = ""


@dataclass
class _State:
    entries: dict[str, _Entry] = field(default_factory=dict)
    deployed: DeployedStack | None = None
    current: _Entry | None = None
    """The entry of the test running now."""
    calls: int = 0
    lines: list[str] = field(default_factory=list)


_STATE = pytest.StashKey[_State]()


@pytest.fixture(scope="session")
def local_aws(pytestconfig: pytest.Config) -> Iterator[Ministack]:
    """ministack on a free loopback port for the test run; stopped, with its workers, at its end."""
    root = _project(pytestconfig)
    try:
        with ministack(root, log=root / _LOGS / "ministack.log") as aws:
            pytestconfig.stash[_STATE].lines.append(
                f"local AWS: ministack {MINISTACK_VERSION} on {aws.url}"
            )
            yield aws
    except ToolError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def cognito_triggers_parameters(local_aws: Ministack) -> dict[str, str]:
    """The template's parameter overrides for the deploy: override it in ``conftest.py`` (it may
    prepare the account through ``local_aws`` first: an SES identity to verify...)."""
    return {}


@pytest.fixture(scope="session")
def local_stack(
    pytestconfig: pytest.Config, local_aws: Ministack, cognito_triggers_parameters: dict[str, str]
) -> LocalStack:
    """The project built and deployed to ``local_aws``, once per test run."""
    root = _project(pytestconfig)
    name = _setting(pytestconfig, "stack_name") or stack_name_of(root)
    state = pytestconfig.stash[_STATE]
    try:
        deployed = sam_deploy(
            root,
            local_aws,
            stack_name=name,
            parameters=cognito_triggers_parameters,
            log=root / _LOGS / "sam-deploy.log",
        )
    except ToolError as error:
        pytest.fail(str(error), pytrace=False)
    state.deployed = deployed
    state.lines.append(
        f"sam deploy --stack-name {name}: {len(deployed.resources)} resources "
        f"({len(deployed.functions)} functions) in {deployed.seconds:.1f} s"
    )
    return LocalStack(deployed, state)


@pytest.fixture(scope="session")
def cognito_local(
    pytestconfig: pytest.Config, local_stack: LocalStack
) -> Iterator[CognitoLocalPool]:
    """cognito-local firing the built functions through ``start-lambda``; skips where it cannot
    be installed (it needs Node.js and npm)."""
    from .cognito_local import cognito_local as start_cognito_local
    from .toolchain import cognito_local_command

    if pytestconfig.getoption("cognito_triggers_no_cognito_local"):
        pytest.skip("--cognito-triggers-no-cognito-local")
    try:
        cognito_local_command()  # installed before anything starts
    except ToolError as error:
        pytest.skip(str(error))
    root = _project(pytestconfig)
    aws = local_stack.aws
    port = _free_port()
    environment = {
        **aws.environment(),
        # The functions' own Cognito calls (PostConfirmation's) go to cognito-local.
        "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER": f"http://127.0.0.1:{port}",
    }
    # Each built function runs with its deployed twin's environment.
    lambda_client = aws.client("lambda")
    environments = {
        logical_id: lambda_client.get_function_configuration(FunctionName=name)
        .get("Environment", {})
        .get("Variables", {})
        for logical_id, name in local_stack.functions.items()
    }
    with ExitStack() as stack:
        try:
            server = stack.enter_context(
                LambdaInvokeServer(root, environment=environment, environments=environments)
            )
            service = stack.enter_context(
                start_cognito_local(
                    root,
                    load_source_template(root),
                    lambda_endpoint=server.url,
                    port=port,
                    log=root / _LOGS / "cognito-local.log",
                )
            )
        except ToolError as error:
            pytest.fail(str(error), pytrace=False)
        pool = CognitoLocalPool(service, server, aws, pytestconfig.stash[_STATE])
        pytestconfig.stash[_STATE].lines.append(
            f"cognito-local on {pool.url} (fires {', '.join(pool.fires)}), calling "
            f"start-lambda on {server.url}"
        )
        yield pool


@pytest.fixture(autouse=True)
def _cognito_triggers_calls(request: pytest.FixtureRequest) -> Iterator[None]:
    """For a test on the local stack or cognito-local: its trigger calls, for the report, and a
    failure when a function failed."""
    used = [name for name in ("local_stack", "cognito_local") if name in request.fixturenames]
    if not used:
        yield
        return
    pools: list[LocalStack | CognitoLocalPool] = [request.getfixturevalue(n) for n in used]
    marks = [pool.mark() for pool in pools]
    state = request.config.stash[_STATE]
    doc = (getattr(request.function, "__doc__", None) or "").strip().splitlines()
    entry = state.entries.setdefault(
        request.node.nodeid, _Entry(doc[0] if doc else request.node.name)
    )
    state.current = entry
    yield
    state.current = None
    for pool, mark in zip(pools, marks, strict=True):
        entry.calls += pool.calls_since(mark)
    state.calls += len(entry.calls)
    failed = [call for call in entry.calls if call.failed]
    if failed and request.node.get_closest_marker("expect_trigger_failure") is None:
        pytest.fail(
            "a trigger function failed:\n" + "\n".join(f"  {c.describe()}" for c in failed),
            pytrace=False,
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    entry = item.config.stash[_STATE].entries.get(item.nodeid)
    if entry is not None and report.when in ("setup", "call", "teardown"):
        if report.when == "call":
            entry.seconds += report.duration
        if report.failed:
            entry.outcome = "failed"
            entry.why = entry.why or str(report.longrepr).strip().splitlines()[-1]
        elif report.skipped and entry.outcome != "failed":
            entry.outcome = "skipped"
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash[_STATE]
    if state.entries and state.calls == 0 and exitstatus == 0:
        state.lines.append("FAIL no trigger function ran: these tests tested no trigger")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash[_STATE]
    if not config.getoption("cognito_triggers_report"):
        for line in state.lines:
            if line.startswith("FAIL"):
                terminalreporter.write_line(line)
        return
    write = terminalreporter.write_line
    terminalreporter.section("cognito-triggers flows")
    for line in state.lines[:2]:
        write(line)
    for number, entry in enumerate(state.entries.values(), 1):
        mark = {"passed": "ok  ", "skipped": "skip"}.get(entry.outcome, "FAIL")
        write(f"{mark} {number:2d}. {entry.title}  ({entry.seconds:.2f} s)")
        for trigger in entry.calls:
            write(f"         trigger  {trigger.describe()}")
        for text in entry.notes:
            write(f"         {text}")
        if entry.why and entry.outcome != "passed":
            write(f"         why: {entry.why}")
    for line in state.lines[2:]:
        write(line)
    passed = sum(1 for e in state.entries.values() if e.outcome == "passed")
    failed = sum(1 for e in state.entries.values() if e.outcome == "failed")
    skipped = len(state.entries) - passed - failed
    write(f"flows: {passed} passed, {failed} failed, {skipped} skipped")
