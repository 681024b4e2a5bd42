"""A boto3 Lambda client for a local Invoke API (`start-lambda`), as SAM documents for its own:
dummy credentials, and no retries, so that each call is one request to the server."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

__all__ = ["lambda_client"]


def lambda_client(url: str) -> Any:
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60),
    )
