from walletreports.kit import main

from .settings import DuneRunnerSettings

main(DuneRunnerSettings, "walletreports.dune_runner.app:SERVICE")
