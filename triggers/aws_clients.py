"""How every example function makes its AWS clients: timeouts and retries that end inside
Cognito's wait, and X-Ray for their calls when the template opts in.

Every function ships this module: those of ``triggers/`` share the folder (``CodeUri``), and
``triggers/senders/aws_clients.py`` is a link to it, which ``sam build`` copies as a file.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from botocore.config import Config

# Cognito waits 5 s for a trigger, its cold start included, and may call it again after that
# (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html).
# botocore's defaults (60 s to connect, 60 s for each read, retries) outwait both. Here a call
# that gets no answer fails after at most ATTEMPTS x (CONNECT_TIMEOUT + READ_TIMEOUT), plus the
# standard mode's random backoff before the retry (under 1 s): 2 x (0.5 + 0.5) + 1 = 3 s. That
# leaves 2 s for the cold start of a function that calls AWS (boto3's import and first client
# take about 200 ms of CPU, README "Performance", which at 256 MB is over 1 s) and the handler:
# the router then logs and counts the failure and Cognito gets InternalError, where Lambda's own
# 5 s Timeout would leave neither a log nor a count.
CONNECT_TIMEOUT = 0.5  # seconds to open a connection, TLS included
READ_TIMEOUT = 0.5  # seconds of silence from the service before the attempt is given up
ATTEMPTS = 2  # the call and one retry (a throttle, a 5xx, a timeout), not botocore's 3 to 10


def client_config() -> Config:
    """The botocore ``Config`` for ``boto3.client(..., config=client_config())``, called when a
    function makes a client (boto3 is loaded then, only on a path that calls AWS).

    With ``POWERTOOLS_TRACE_DISABLED`` other than ``"true"`` (template.yaml opts in), botocore is
    patched first, so that each AWS call is an X-Ray subsegment."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED") != "true":
        from aws_lambda_powertools import Tracer  # the X-Ray SDK

        Tracer(patch_modules=["botocore"])
    from botocore.config import Config

    return Config(
        connect_timeout=CONNECT_TIMEOUT,
        read_timeout=READ_TIMEOUT,
        retries={"total_max_attempts": ATTEMPTS, "mode": "standard"},
    )
