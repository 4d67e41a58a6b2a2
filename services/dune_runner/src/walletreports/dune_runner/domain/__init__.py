"""The dune_runner domain: pure rules, no I/O. Time comes in as `now`; nothing reads a clock.

Modules, one purpose each:
- `errors`       Dune error types and their classification (`classify`), error classes,
                 the domain's refusals with stable codes
- `job`          the query job: statuses, the transition table, retries and their history
- `polling`      Dune's execution states, what a status answer means, the poll schedule
- `execution`    the `dune.execute` effect: kind, key, payload, result, refusal reasons
- `analysis`     the analysis run of one order, configured reports, outcome
- `report_file`  a stored CSV of a completed job
- `budget`       credit ledger entries, daily/weekly budgets and thresholds, intake
- `paths`        where report files go (`report_path`), refusing names that escape
- `summary`      the report bundle's summary from the CSV rows, exact
- `bundle`       the report bundle of a finished run: its paths, file ids and record

Each module lists its public names in its own `__all__` and is re-exported by one line
below, so adding a module is adding one line (and one line above).
"""

from .analysis import *  # noqa: F403
from .budget import *  # noqa: F403
from .bundle import *  # noqa: F403
from .errors import *  # noqa: F403
from .execution import *  # noqa: F403
from .job import *  # noqa: F403
from .paths import *  # noqa: F403
from .polling import *  # noqa: F403
from .report_file import *  # noqa: F403
from .summary import *  # noqa: F403
