from walletreports.kit import main

from .settings import OrdersSettings

main(OrdersSettings, "walletreports.orders.app:SERVICE")
