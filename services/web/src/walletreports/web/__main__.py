from walletreports.kit import main

from .settings import WebSettings

main(WebSettings, "walletreports.web.app:SERVICE")
