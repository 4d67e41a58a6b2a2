from walletreports.kit import main

from .settings import PaymentsSettings

main(PaymentsSettings, "walletreports.payments.app:SERVICE")
