"""A user who imports everything: the checker must see the names."""

from __future__ import annotations

from cognito_triggers import *  # noqa: F403

app = TriggerRouter()  # noqa: F405


@app.pre_sign_up
def sign_up(event: PreSignUpEvent) -> None:  # noqa: F405
    event.response.auto_confirm_user = True


lambda_handler = app.lambda_handler
