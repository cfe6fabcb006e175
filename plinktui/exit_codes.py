"""Process exit codes shared by every plinktui command (README, "Exit codes")."""

from enum import IntEnum


class ExitCode(IntEnum):
    """What a plinktui command tells the shell."""

    OK = 0
    """Success; for `audit`: no failing finding."""
    FINDINGS = 1
    """`audit` found failing findings; `setup` ended with a failed resource."""
    ERROR = 2
    """Usage, authentication or connection error (one-line reason on stderr)."""
