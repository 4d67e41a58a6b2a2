from pydantic import Field

from walletreports.kit.settings import DatabaseUrl, ServiceSettings


class DuneRunnerSettings(ServiceSettings):
    database_url: DatabaseUrl = Field(validation_alias="DUNE_RUNNER_DATABASE_URL")
    http_port: int = Field(8003, validation_alias="DUNE_RUNNER_HTTP_PORT", ge=1, le=65535)
