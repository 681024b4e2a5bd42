"""The few exceptions users of cognito-triggers meet."""

from __future__ import annotations

__all__ = [
    "CognitoTriggersError",
    "Deny",
    "InternalError",
    "InvalidEventError",
    "ResponseError",
    "UnhandledSourceError",
]


class CognitoTriggersError(Exception):
    """Base of every exception this package raises on purpose."""


class InvalidEventError(CognitoTriggersError, ValueError):
    """The input is not a Cognito trigger event this package can accept.

    The message names the ``triggerSource`` (when there is one) and the path of each offending
    field, never a field's value: events carry passwords, codes and personal attributes. A map's
    key (an attribute's name, a client metadata key) is data too, and shows as ``<key>``.
    """


class ResponseError(CognitoTriggersError, ValueError):
    """A handler asked for a response Cognito would reject or silently ignore.

    The message names the rule, fields and limits; it is logged, so it never shows a value the
    handler may have taken from the event (a claim only by Cognito's own names)."""


class Deny(CognitoTriggersError):
    """Deny the operation, showing ``message`` to the end user.

    Cognito shows it as ``<Trigger> failed with error <message>.``; it appends the period itself, so
    a trailing period here is removed.

    Example::

        @app.pre_sign_up
        def only_company_emails(event: PreSignUpEvent) -> None:
            if not event.request.user_attributes.get("email", "").endswith("@example.com"):
                raise Deny("Sign-up is open to example.com addresses only")
    """

    def __init__(self, message: str) -> None:
        self.message = user_text(message, "Deny")
        super().__init__(self.message)


def user_text(message: object, what: str) -> str:
    """Text Cognito shows an end user: a non-empty string, without the trailing period Cognito
    adds itself."""
    if not isinstance(message, str):
        raise TypeError(f"{what} takes the text the user sees, a str, not {type(message).__name__}")
    text = message.strip().rstrip(".").rstrip()
    if not text:
        raise ValueError(
            f"{what} needs text for the user: Cognito would show '<Trigger> failed with error .'"
        )
    return text


class UnhandledSourceError(CognitoTriggersError):
    """No handler matches the event, and the router must not fall back to Cognito's default
    (``TriggerRouter(strict=True)``, or CreateAuthChallenge, which has no safe default).

    :func:`cognito_triggers.testing.invoke` raises it too, for any event no handler takes, unless
    the test says ``expect_unhandled=True``: a test that sent the wrong trigger's event would
    otherwise pass on the untouched event."""


class InternalError(CognitoTriggersError):
    """What Cognito receives when a handler fails for any reason other than :class:`Deny`.

    Its message is the router's ``error_message``: it never carries the original exception's
    text or type, which are logged instead. The original exception is its ``__cause__``, for
    tests and debuggers (Lambda reports only this exception's type and message to Cognito)::

        with pytest.raises(InternalError) as failed:
            app.lambda_handler(event, lambda_context())
        assert isinstance(failed.value.__cause__, TimeoutError)
    """
