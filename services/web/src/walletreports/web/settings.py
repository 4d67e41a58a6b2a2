"""The web service's configuration: the kit's shared variables, WEB_DATABASE_URL,
and WEB_HTTP_PORT (default 8000)."""

from walletreports.kit import HttpPort, ServiceSettings


class WebSettings(ServiceSettings, env_prefix="WEB_"):
    http_port: HttpPort = 8000
