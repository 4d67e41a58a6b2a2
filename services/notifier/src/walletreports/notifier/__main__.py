"""`python -m walletreports.notifier serve|migrate` (the kit's command line), and
`python -m walletreports.notifier telegram webhook set|info|delete`
(entrypoints.telegram_cli): the kit's CLI takes only its own commands, so this one is
picked off first."""

import sys

if sys.argv[1:2] == ["telegram"]:
    from .entrypoints.telegram_cli import main as telegram_main

    raise SystemExit(telegram_main(sys.argv[2:]))

from walletreports.kit import main

from .settings import NotifierSettings

main(NotifierSettings, "walletreports.notifier.app:SERVICE")
