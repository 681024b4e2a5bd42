"""Pre token generation (V3_0): a ``tenant`` claim, from the user's ``custom:tenant`` attribute,
in both the ID and the access token, so an API can scope every request to one tenant without
another lookup. Users without a tenant get no claim. Machine tokens (client credentials) reach a
handler only when one is registered for ``TokenGeneration_ClientCredentials``."""

from __future__ import annotations

import logging

from cognito_triggers import (
    Metrics,
    PreTokenGenerationEvent,
    PreTokenGenerationV1Event,
    TriggerRouter,
)

logger = logging.getLogger(__name__)
metrics = Metrics()  # each call counted by triggerSource and outcome (template.yaml: namespace)
app = TriggerRouter(logger=logger, metrics=metrics)


@app.pre_token_generation
def add_tenant(event: PreTokenGenerationEvent) -> None:
    tenant = event.request.user_attributes.get("custom:tenant", "").strip()
    if not tenant:
        return
    # A V1 event (a pool still on the flat PreTokenGeneration key) can shape the ID token only.
    event.add_claim(
        "tenant", tenant, token="id" if isinstance(event, PreTokenGenerationV1Event) else "both"
    )


lambda_handler = metrics.log_metrics(app.lambda_handler)
