"""Reading the connections file (YAML, EC_CONNECTIONS_FILE): where the ITSM
platforms answer and which environment variables hold their secrets. The file
never holds a secret. A bad file, or a secret variable that is not set, stops
the service at start-up with the reason; a platform left out gets nothing
written back."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

SERVICENOW, JIRA, PAGERDUTY = "servicenow", "jira", "pagerduty"
PLATFORMS = (SERVICENOW, JIRA, PAGERDUTY)

BaseUrl = Annotated[str, Field(pattern=r"^https?://[^/\s@]+(/[^\s]*)?$", max_length=500)]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=200)]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+$", max_length=320)]
Word = Annotated[str, Field(min_length=1, max_length=200)]


class ConnectionsFileError(ValueError):
    pass


class SecretMissing(Exception):
    """The variable a connection names is not set (or empty) now."""


@dataclass(frozen=True)
class Connection:
    """One platform: where it answers, who we are there, and the variable
    holding our secret. The secret is read when it is needed, so a fixed
    variable (a restart with the new value) takes effect for the next attempt."""

    platform: str
    base_url: str
    secret_env: str
    user: str | None = None  # ServiceNow's username, Jira's email
    from_email: str | None = None  # PagerDuty's From header
    problem_project: str | None = None  # Jira
    problem_issue_type: str | None = None  # Jira

    def secret(self, environ: Mapping[str, str] | None = None) -> str:
        value = (os.environ if environ is None else environ).get(self.secret_env, "")
        if not value:
            raise SecretMissing(f"{self.secret_env} is not set (the {self.platform} secret)")
        return value

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path


@dataclass(frozen=True)
class Connections:
    by_platform: Mapping[str, Connection]

    def get(self, platform: str) -> Connection | None:
        return self.by_platform.get(platform)

    def __contains__(self, platform: object) -> bool:
        return platform in self.by_platform

    def check_secrets(self, environ: Mapping[str, str] | None = None) -> None:
        """Every named variable is set: raises ConnectionsFileError naming those that are not."""
        missing = []
        for connection in self.by_platform.values():
            try:
                connection.secret(environ)
            except SecretMissing as error:
                missing.append(str(error))
        if missing:
            raise ConnectionsFileError("; ".join(missing))


NO_CONNECTIONS = Connections({})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _ServiceNow(_Strict):
    base_url: BaseUrl
    username: Word
    password_env: EnvName

    def build(self) -> Connection:
        return Connection(SERVICENOW, self.base_url, self.password_env, user=self.username)


class _Jira(_Strict):
    base_url: BaseUrl
    email: Email
    api_token_env: EnvName
    problem_project: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]+$")] | None = None
    problem_issue_type: Word = "Problem"

    def build(self) -> Connection:
        return Connection(
            JIRA,
            self.base_url,
            self.api_token_env,
            user=self.email,
            problem_project=self.problem_project,
            problem_issue_type=self.problem_issue_type,
        )


class _PagerDuty(_Strict):
    base_url: BaseUrl = "https://api.pagerduty.com"
    api_token_env: EnvName
    from_email: Email

    def build(self) -> Connection:
        return Connection(PAGERDUTY, self.base_url, self.api_token_env, from_email=self.from_email)


class _Platforms(_Strict):
    servicenow: _ServiceNow | None = None
    jira: _Jira | None = None
    pagerduty: _PagerDuty | None = None


class _File(_Strict):
    connections: _Platforms = _Platforms()


def parse_connections(data: Any, *, where: str = "the connections file") -> Connections:
    try:
        parsed = _File.model_validate(data if data is not None else {})
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'the file'}: {e['msg']}"
            for e in error.errors()
        )
        raise ConnectionsFileError(f"{where}: {problems}") from None
    platforms = parsed.connections
    found = {
        name: section.build()
        for name, section in (
            (SERVICENOW, platforms.servicenow),
            (JIRA, platforms.jira),
            (PAGERDUTY, platforms.pagerduty),
        )
        if section is not None
    }
    return Connections(found)


def load_connections(path: str | None, environ: Mapping[str, str] | None = None) -> Connections:
    """The file's connections with every secret variable checked; none without a file."""
    if not path:
        return NO_CONNECTIONS
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ConnectionsFileError(f"cannot read EC_CONNECTIONS_FILE {path}: {error}") from None
    except yaml.YAMLError as error:
        raise ConnectionsFileError(f"{path} is not valid YAML: {error}") from None
    connections = parse_connections(data, where=path)
    try:
        connections.check_secrets(environ)
    except ConnectionsFileError as error:
        raise ConnectionsFileError(f"{path}: {error}") from None
    return connections
