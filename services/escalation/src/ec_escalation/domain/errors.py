"""The escalation's refusals. Only http/context.py maps them to HTTP."""

from __future__ import annotations


class DomainError(Exception):
    """A command the escalation refuses, with the reason."""


class NotAllowed(DomainError):
    """The command does not fit the escalation's state (HTTP 409)."""


class InvalidCommand(DomainError):
    """The command contradicts itself or the clock (HTTP 422). Each problem
    reads "<field>: <what is wrong>"; a command may have several."""

    def __init__(self, problem: str, *more: str) -> None:
        super().__init__("; ".join((problem, *more)))
        self.problems = (problem, *more)


class NotFound(DomainError):
    """No escalation with that id (HTTP 404)."""


class StaleVersion(DomainError):
    """The caller's If-Match names a version that is no longer current (HTTP 412)."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"If-Match names version {expected}; the escalation is at version {actual}"
        )
        self.expected = expected
        self.actual = actual


def require(status: str, allowed: frozenset[str], action: str, needs: str) -> None:
    """NotAllowed, saying why, unless the escalation's status is one of `allowed`."""
    if status in allowed:
        return
    if status == "withdrawn":
        raise NotAllowed(
            f"cannot {action}: the escalation is withdrawn; a withdrawn escalation "
            "accepts no further command"
        )
    raise NotAllowed(f"cannot {action}: the escalation is {status}; {needs}")
