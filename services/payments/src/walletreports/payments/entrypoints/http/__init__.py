"""HTTP entrypoints: the internal API web reads invoices from (/v1) and the staff
console's (/admin/api), one router per resource."""

from . import (
    admin_invoice_actions,
    admin_invoices,
    admin_refund_requests,
    admin_refunds,
    admin_rejected_candidates,
    invoice_confirmation,
    invoices,
    order_invoice,
    qr_codes,
    refund_qr_codes,
    user_payments,
)

ROUTERS = (
    invoices.router,
    invoice_confirmation.router,
    order_invoice.router,
    qr_codes.router,
    user_payments.router,
    admin_invoices.router,
    admin_invoice_actions.router,
    admin_rejected_candidates.router,
    admin_refund_requests.router,
    admin_refunds.router,
    refund_qr_codes.router,
)
