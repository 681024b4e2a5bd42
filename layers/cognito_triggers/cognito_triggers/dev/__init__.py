"""Development tools behind the ``cognito-triggers`` command: template checks, sample events, and
running built functions under AWS's Lambda Runtime Interface Emulator.

Never imported on the Lambda path; its dependencies are the package's ``dev`` extra.
"""
