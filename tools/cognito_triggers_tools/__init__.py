"""cognito-triggers-tools: the ``cognito-triggers`` command (init, build, check, invoke, run,
start-lambda, flows) and the build ``sam build`` runs for a project's functions and layers.

Never imported on the Lambda path. It reads the runtime (``cognito_triggers``); the runtime never
reads it.
"""

__version__ = "0.2.0"
