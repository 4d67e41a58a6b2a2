"""Configuration from the environment only, checked once at start.

Every service subclasses `ServiceSettings` with its prefix and its HTTP port, the one
place that port is written (make dev and the harness read it from there):

    class OrdersSettings(ServiceSettings, env_prefix="ORDERS_"):
        http_port: HttpPort = 8001

Its own variables carry the prefix (`ORDERS_DATABASE_URL`, `ORDERS_HTTP_PORT`); the
shared ones (`NATS_URL`, `INTERNAL_TOKEN`, ...) keep one name across services (a field
with an explicit alias ignores the prefix). A bad value stops the process
with one line naming the variable (see `load_settings`), never a traceback.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, TypeVar

from pydantic import AfterValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

DEV_INTERNAL_TOKEN = "dev-internal-token-not-for-production"


class ConfigError(Exception):
    """Configuration that cannot work. The message is one line naming the variable."""


def _without_credentials(value: str) -> str:
    """The value as an error may quote it: config errors end up in logs, passwords must not."""
    return re.sub(r"[^\s/@]*@", "***@", value)


def _database_url(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or not rest:
        raise ValueError(
            f"must be a URL like postgresql://user@host:5432/dbname, got {_without_credentials(value)!r}"
        )
    if scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError(f"must be a postgresql:// URL, got scheme {scheme!r}")
    # One driver everywhere: psycopg 3, async in services, sync in migrations.
    url = f"postgresql+psycopg://{rest}"
    try:
        parsed = make_url(url)
    except ValueError as exc:  # e.g. a port that is not a number
        raise ValueError(f"is not a valid URL ({exc})") from None
    if not parsed.database:
        raise ValueError("must name the database, e.g. postgresql://user@host:5432/orders")
    return url


def _nats_url(value: str) -> str:
    for server in value.split(","):
        if not re.fullmatch(r"(nats|tls|ws|wss)://[^\s/]+(:\d+)?/?", server.strip()):
            raise ValueError(
                f"must be nats://host:port (comma-separated for a cluster), got {_without_credentials(value)!r}"
            )
    return value


DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
NatsUrl = Annotated[str, AfterValidator(_nats_url)]
HttpPort = Annotated[int, Field(ge=1, le=65535)]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=False)

    environment: Literal["development", "test", "production"] = Field(
        "development", validation_alias="ENVIRONMENT"
    )
    nats_url: NatsUrl = Field("nats://127.0.0.1:4222", validation_alias="NATS_URL")
    # Prefix of every subject and stream, so deployments (and test runs) can share a server.
    event_namespace: str = Field(
        "wr", validation_alias="EVENT_NAMESPACE", pattern=r"^[a-z][a-z0-9_]{0,30}$"
    )
    stream_replicas: int = Field(1, validation_alias="STREAM_REPLICAS", ge=1, le=5)
    internal_token: SecretStr = Field(
        SecretStr(DEV_INTERNAL_TOKEN), validation_alias="INTERNAL_TOKEN"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="LOG_LEVEL"
    )
    http_host: str = Field("127.0.0.1", validation_alias="HTTP_HOST")
    # <PREFIX>DATABASE_URL and <PREFIX>HTTP_PORT: each service's own.
    database_url: DatabaseUrl
    http_port: HttpPort = 8000

    @model_validator(mode="after")
    def _production_needs_real_secrets(self) -> ServiceSettings:
        if self.environment == "production":
            token = self.internal_token.get_secret_value()
            if token == DEV_INTERNAL_TOKEN or len(token) < 32:
                raise ValueError(
                    "INTERNAL_TOKEN: must be set to a secret of at least 32 characters in production"
                )
        return self


S = TypeVar("S", bound=BaseSettings)


def env_name(cls: type[BaseSettings], field: str) -> str:
    """The environment variable a field is read from."""
    info = cls.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, str):
        return alias
    return f"{cls.model_config.get('env_prefix') or ''}{field}".upper()


def default_http_port(cls: type[ServiceSettings]) -> int:
    default = cls.model_fields["http_port"].default
    assert isinstance(default, int)
    return default


def describe(cls: type[BaseSettings], exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        message = err["msg"].removeprefix("Value error, ")
        if not loc:
            problems.append(message)  # model-level rule; the message names the variable
            continue
        name = loc[0] if loc[0].isupper() else env_name(cls, loc[0])
        if err["type"] == "missing":
            message = "is required but not set"
        problems.append(f"{name}: {message}")
    return "; ".join(problems)


def load_settings(cls: type[S]) -> S:
    """Build settings from the environment, or raise ConfigError naming the variable."""
    try:
        return cls()
    except ValidationError as exc:
        raise ConfigError(f"configuration error: {describe(cls, exc)}") from None
