"""errors.py: the exceptions that end a command, each with its exit status."""

import signal


class Interrupted(Exception):
    """SIGINT, SIGTERM or SIGHUP arrived: stop, clean up, write nothing.
    signum is the signal's number: the exit status is 128 + signum."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class SetupError(Exception):
    """The bench cannot start or go on (exit 3); the message is one line."""


class ReportError(Exception):
    """The report cannot be made; the message is one line."""
