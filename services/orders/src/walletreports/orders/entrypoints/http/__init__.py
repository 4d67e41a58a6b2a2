"""HTTP entrypoints: the internal API for web (/v1) and the staff console's (/admin/api),
one router per resource."""

from . import (
    admin_intake,
    admin_order_actions,
    admin_orders,
    admin_subscriptions,
    catalog,
    orders,
    users,
)

ROUTERS = (
    orders.router,
    users.router,
    catalog.router,
    admin_orders.router,
    admin_order_actions.router,
    admin_subscriptions.router,
    admin_intake.router,
)
