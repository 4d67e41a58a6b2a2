"""The dune_runner use cases, over the ports in `ports` (a unit of work, Dune's read side,
the result store). Each module is one concern:

- `analysis`   start a run from order.paid, re-run it when orders re-opens the order,
               release the work that waited while intake was paused
- `executing`  the dune.execute performer's check and hooks (on_done / on_failed)
- `polling`    poll executing jobs, store their CSVs, finish runs
- `staff`      retry one job / all failed of an order, attach an execution, give up
- `budget`     the ledger entry per execution, thresholds, pausing and resuming intake
- `messages`   domain outcomes as contract events
- `runs`       a run and its jobs under one lock; sending jobs; finishing a run
"""
