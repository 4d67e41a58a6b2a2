"""`python -m walletreports.dune_runner serve|migrate` (the kit's command line), and
`python -m walletreports.dune_runner queries sync` (sync_queries.py): the kit's CLI takes
only its own commands, so this one is picked off first."""

import sys

if sys.argv[1:3] == ["queries", "sync"]:
    from .sync_queries import main as sync_main

    raise SystemExit(sync_main(sys.argv[3:]))

from walletreports.kit import main

from .settings import DuneRunnerSettings

main(DuneRunnerSettings, "walletreports.dune_runner.app:SERVICE")
