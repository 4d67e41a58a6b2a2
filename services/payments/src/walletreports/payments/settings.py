from pydantic import Field

from walletreports.kit.settings import DatabaseUrl, ServiceSettings


class PaymentsSettings(ServiceSettings):
    database_url: DatabaseUrl = Field(validation_alias="PAYMENTS_DATABASE_URL")
    http_port: int = Field(8002, validation_alias="PAYMENTS_HTTP_PORT", ge=1, le=65535)
