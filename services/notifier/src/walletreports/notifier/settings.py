"""The notifier service's configuration: the kit's shared variables, NOTIFIER_DATABASE_URL,
and NOTIFIER_HTTP_PORT (default 8004)."""

from walletreports.kit import HttpPort, ServiceSettings


class NotifierSettings(ServiceSettings, env_prefix="NOTIFIER_"):
    http_port: HttpPort = 8004
