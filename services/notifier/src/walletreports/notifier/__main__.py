from walletreports.kit import main

from .settings import NotifierSettings

main(NotifierSettings, "walletreports.notifier.app:SERVICE")
