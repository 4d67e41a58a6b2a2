"""The stack's configuration: read from the environment once, before anything starts,
and checked with the kit's own validators (`DatabaseUrl`, `NatsUrl`, `load_settings`),
so that the stack accepts exactly the URLs the services accept and a bad value is one
line naming the variable."""

from __future__ import annotations

import socket
from typing import Annotated, Any
from urllib.parse import urlparse

from pydantic import Field, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from walletreports.kit.settings import ConfigError, DatabaseUrl, NatsUrl, load_settings

from .console import StackError
from .services import SERVICES, ServiceEntry

Port = Annotated[int, Field(ge=1, le=65535)]


class StackSettings(BaseSettings):
    """The stack's own variables; every service's <SERVICE>_HTTP_PORT and
    <SERVICE>_DATABASE_URL are added below, from SERVICES."""

    # An empty variable counts as unset (NATS_URL= means: start a nats-server here).
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_ignore_empty=True)

    nats_url: NatsUrl | None = Field(None, validation_alias="NATS_URL")
    nats_port: Port = Field(14222, validation_alias="DEV_NATS_PORT")
    solana_cluster: str = Field("localnet", validation_alias="SOLANA_CLUSTER")
    localnet_rpc_port: Port = Field(8899, validation_alias="LOCALNET_RPC_PORT")
    localnet_ws_port: Port = Field(8900, validation_alias="LOCALNET_WS_PORT")
    smtp_port: Port = Field(14025, validation_alias="DEV_SMTP_PORT")
    # Set: the notifier uses that SMTP server and no sink is started.
    notifier_smtp_host: str | None = Field(None, validation_alias="NOTIFIER_SMTP_HOST")
    # Dune's API for dune_runner: on this machine (the default), the stack starts the Dune
    # emulator on that port; anywhere else (https://api.dune.com) it is used as it is.
    dune_api_base_url: str = Field("http://127.0.0.1:8088", validation_alias="DUNE_API_BASE_URL",
                                   pattern=r"^https?://[^\s/]+(/\S*)?$")

    @property
    def dune_emulator_port(self) -> int | None:
        """The port to start the Dune emulator on, when DUNE_API_BASE_URL is on this machine."""
        url = urlparse(self.dune_api_base_url)
        if url.scheme != "http" or url.hostname not in ("127.0.0.1", "localhost") or url.path.strip("/"):
            return None
        return url.port or 80

    def http_port(self, service: ServiceEntry) -> int:
        return getattr(self, f"{service.name}_http_port")

    def database_url(self, service: ServiceEntry) -> str | None:
        """The service's given URL (in the kit's postgresql+psycopg form), or None."""
        return getattr(self, f"{service.name}_database_url")

    def listening_ports(self) -> dict[str, int]:
        """The ports the stack's own processes will listen on, by the variable setting each."""
        ports = {} if self.nats_url else {"DEV_NATS_PORT": self.nats_port}
        if self.solana_cluster == "localnet":
            ports |= {"LOCALNET_RPC_PORT": self.localnet_rpc_port, "LOCALNET_WS_PORT": self.localnet_ws_port}
        if not self.notifier_smtp_host:
            ports |= {"DEV_SMTP_PORT": self.smtp_port}
        if self.dune_emulator_port is not None:
            ports["DUNE_API_BASE_URL"] = self.dune_emulator_port
        return ports | {f"{s.env_prefix}_HTTP_PORT": self.http_port(s) for s in SERVICES}


def _per_service_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for service in SERVICES:
        fields[f"{service.name}_http_port"] = (
            Port, Field(service.port, validation_alias=f"{service.env_prefix}_HTTP_PORT"))
        fields[f"{service.name}_database_url"] = (
            DatabaseUrl | None, Field(None, validation_alias=f"{service.env_prefix}_DATABASE_URL"))
    return fields


_WithServices = create_model("StackSettings", __base__=StackSettings, **_per_service_fields())


def load_config() -> StackSettings:
    """The stack's settings from the environment, or a StackError naming the variable."""
    try:
        return load_settings(_WithServices)
    except ConfigError as exc:
        raise StackError(str(exc)) from None


def check_ports_free(config: StackSettings) -> None:
    """A StackError naming the variable when two of the stack's ports are the same or one
    is taken. Without this a process that cannot bind exits while the stack's wait finds
    the port answering, and goes on with someone else's server (another `make dev`'s)."""
    seen: dict[int, str] = {}
    for name, port in config.listening_ports().items():
        if port in seen:
            raise StackError(f"configuration error: {name}: {port} is {seen[port]} already")
        seen[port] = name
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no owner
            try:
                probe.bind(("127.0.0.1", port))
            except OSError as exc:
                raise StackError(f"configuration error: {name}: 127.0.0.1:{port} is taken "
                                 f"({exc.strerror or exc}); stop what uses it or pick another port") from None
