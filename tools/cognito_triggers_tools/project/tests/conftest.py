"""What every test of this project shares."""

from __future__ import annotations

import os

# Lambda gets the metrics' namespace from template.yaml; the functions make their Metrics when
# imported, and without a namespace Metrics() refuses to.
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Test")
