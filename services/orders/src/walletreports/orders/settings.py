from pydantic import Field

from walletreports.kit.settings import DatabaseUrl, ServiceSettings


class OrdersSettings(ServiceSettings):
    database_url: DatabaseUrl = Field(validation_alias="ORDERS_DATABASE_URL")
    http_port: int = Field(8001, validation_alias="ORDERS_HTTP_PORT", ge=1, le=65535)
