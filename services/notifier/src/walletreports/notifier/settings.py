from pydantic import Field

from walletreports.kit.settings import DatabaseUrl, ServiceSettings


class NotifierSettings(ServiceSettings):
    database_url: DatabaseUrl = Field(validation_alias="NOTIFIER_DATABASE_URL")
    http_port: int = Field(8004, validation_alias="NOTIFIER_HTTP_PORT", ge=1, le=65535)
