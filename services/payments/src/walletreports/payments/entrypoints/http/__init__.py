"""HTTP entrypoints: the internal API web reads invoices from (/v1), one router per
resource."""

from . import invoices, order_invoice, qr_codes

ROUTERS = (invoices.router, order_invoice.router, qr_codes.router)
