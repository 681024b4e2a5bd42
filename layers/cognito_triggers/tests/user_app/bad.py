"""Mistakes a user's type checker must flag: each line marked ``# flagged: <code>`` and no other."""

from __future__ import annotations

from cognito_triggers import (
    ClientCredentialsEvent,
    Metrics,
    PostConfirmationEvent,
    PreSignUpEvent,
    PreTokenGenerationEvent,
    TriggerRouter,
    TriggerSource,
)
from cognito_triggers.testing import invoke, make_event

app = TriggerRouter()
metrics = Metrics(namespace="Example")
metrics.add_metric(name="Seen", unit="Counts", value=1)  # flagged: arg-type


@metrics.log_metrics
def observed(event: dict[str, object], context: object) -> dict[str, object]:
    return event


observed("not an event", None)  # flagged: arg-type


@app.pre_sign_up  # flagged: arg-type
def wrong_family(event: PostConfirmationEvent) -> None:
    pass


@app.client_credentials  # flagged: arg-type
def user_handler_for_machines(event: PreTokenGenerationEvent) -> None:
    pass


@app.pre_token_generation  # flagged: arg-type
def machine_handler_for_users(event: ClientCredentialsEvent) -> None:
    pass


@app.pre_sign_up(sources=["PreSignUp_SignUp"])
def misspelt(event: PreSignUpEvent) -> None:
    event.response.auto_confirm_usr = True  # flagged: attr-defined
    event.request.user_attributes = 3  # flagged: assignment


def test_it() -> None:
    result = invoke(app, make_event("PreSignUp_SignUp"))
    print(result.response.answer_correct)  # flagged: attr-defined
    machine = invoke(app, make_event("TokenGeneration_ClientCredentials"))
    machine.add_claim("x", "y", token="acess")  # flagged: arg-type


@app.pre_sign_up(sources=["PreSignUp_Signup"])  # flagged: list-item
def misspelt_source(event: PreSignUpEvent) -> None:
    pass


@app.pre_sign_up(sources=["PostConfirmation_ConfirmSignUp"])  # flagged: list-item
def another_familys_source(event: PreSignUpEvent) -> None:
    pass


@app.pre_sign_up(sources=[TriggerSource.PostConfirmation_ConfirmSignUp])  # flagged: list-item
def another_familys_member(event: PreSignUpEvent) -> None:
    pass


@app.pre_sign_up  # flagged: type-var
def returns_a_flag(event: PreSignUpEvent) -> bool:
    return True


@app.post_confirmation(client_id="web")  # flagged: type-var
def returns_a_dict(event: PostConfirmationEvent) -> dict[str, object]:
    return {"response": {}}


@app.on("PreSignUp")  # flagged: type-var
def returns_a_flag_too(event: PreSignUpEvent) -> bool:
    return True


@app.pre_sign_up  # flagged: type-var
async def asynchronous(event: PreSignUpEvent) -> None:
    pass


def groups_as_a_str(event: PreTokenGenerationEvent) -> None:
    event.override_groups("admins")  # flagged: arg-type
    event.override_groups(["admins"], iam_roles="arn:aws:iam::1:role/a")  # flagged: arg-type
    event.add_claim("x", "y", token="idaccess")  # flagged: arg-type


def machine_tokens(machine: ClientCredentialsEvent) -> None:
    machine.add_claim("x", "y", token="id")  # flagged: arg-type
    machine.suppress_claim("x", token="both")  # flagged: arg-type
    machine.override_groups([])  # flagged: attr-defined
    machine.caller_context.clientid.upper()  # flagged: attr-defined
    needs_text(machine.caller_context.client_id)  # flagged: arg-type


def needs_text(text: str) -> None:
    print(text)


def user_tokens(event: PreTokenGenerationEvent) -> None:
    event.caller_context.clientid.upper()  # flagged: attr-defined


TriggerRouter(logger=print)  # flagged: arg-type
TriggerRouter(metrics=metrics.add_metric)  # flagged: arg-type
app.resolve(make_event("PreSignUp_SignUp"))  # flagged: deprecated
metrics.flush()  # flagged: deprecated
