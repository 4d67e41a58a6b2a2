from pydantic import Field

from walletreports.kit.settings import DatabaseUrl, ServiceSettings


class WebSettings(ServiceSettings):
    database_url: DatabaseUrl = Field(validation_alias="WEB_DATABASE_URL")
    http_port: int = Field(8000, validation_alias="WEB_HTTP_PORT", ge=1, le=65535)
