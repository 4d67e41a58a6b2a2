"""The dune_runner service's configuration: the kit's shared variables, DUNE_RUNNER_DATABASE_URL,
and DUNE_RUNNER_HTTP_PORT (default 8003)."""

from walletreports.kit import HttpPort, ServiceSettings


class DuneRunnerSettings(ServiceSettings, env_prefix="DUNE_RUNNER_"):
    http_port: HttpPort = 8003
