"""Fixtures shared by the example's tests."""

from __future__ import annotations

import os

# The example functions make their Metrics when imported, as in Lambda, where the template gives
# them a namespace; without one, Metrics() raises.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Test")
