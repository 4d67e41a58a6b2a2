from walletreports.kit.cli import run

from .settings import PaymentsSettings


def _spec():  # imported only once the settings are known to be good
    from .app import SPEC

    return SPEC


run("payments", PaymentsSettings, _spec)
