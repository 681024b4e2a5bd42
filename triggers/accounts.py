"""The account rules more than one trigger applies: which users are blocked, and what they are
told. Every module of ``triggers/`` ships with every function (``CodeUri: triggers/``), so the
functions share this one.

Any value of ``custom:blocked`` but an explicit no (``"false"``, ``"no"``, ``"0"`` or empty, in
any case and spacing) blocks: a flag someone set by hand fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping

SUSPENDED = "This account is suspended; please contact support"
NOT_BLOCKED = frozenset({"", "false", "no", "0"})


def is_blocked(attributes: Mapping[str, str]) -> bool:
    return attributes.get("custom:blocked", "").strip().lower() not in NOT_BLOCKED
