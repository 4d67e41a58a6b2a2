from walletreports.kit.cli import run

from .settings import WebSettings


def _spec():  # imported only once the settings are known to be good
    from .app import SPEC

    return SPEC


run("web", WebSettings, _spec)
