"""The payments domain: pure rules, no I/O. Time comes in as `now`; nothing reads a clock.

Modules, one purpose each:
- `money`        accepted currencies (mint, decimals); user units <-> base units, exactly
- `solana_pay`   Solana Pay transfer-request URLs, built and parsed per the spec
- `transfer_validation` does a getTransaction answer pay an invoice (stricter than @solana/pay)
- `invoice`      the invoice aggregate: methods, transfers seen, lifecycle transitions
- `invoice_states` invoice statuses, reasons, events, commitments, the transition table
- `invoice_errors` invoice errors with stable codes (Conflict / InvalidInput)
- `invoice_value` exact USD values of transfers and the tolerance bounds
- `receiving`    the merchant's receiving accounts; what a promised URL expects on chain
- `refund`       refunds: what may be refunded, to whom, the URL staff sign, sent/cancelled

Each module lists its public names in its own `__all__` and is re-exported by one line
below, so adding a module is adding one line (and one line above).
"""

from .invoice import *  # noqa: F403
from .invoice_errors import *  # noqa: F403
from .invoice_states import *  # noqa: F403
from .money import *  # noqa: F403
from .receiving import *  # noqa: F403
from .refund import *  # noqa: F403
from .solana_pay import *  # noqa: F403
from .transfer_validation import *  # noqa: F403
