"""The payments service's configuration: the kit's shared variables, PAYMENTS_DATABASE_URL,
and PAYMENTS_HTTP_PORT (default 8002)."""

from walletreports.kit import HttpPort, ServiceSettings


class PaymentsSettings(ServiceSettings, env_prefix="PAYMENTS_"):
    http_port: HttpPort = 8002
