"""HTTP entrypoints: the internal API web reads analyses and files from (/v1) and the
staff console's (/admin/api), one router per resource."""

from . import admin_actions, admin_budget, admin_runs, files, order_analysis

ROUTERS = (
    order_analysis.router,
    files.router,
    admin_runs.router,
    admin_budget.router,
    admin_actions.router,
)
