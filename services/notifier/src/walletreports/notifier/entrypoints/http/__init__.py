"""HTTP entrypoints: account mail from web (/v1/transactional) and the staff console's
(/admin/api: notifications, resend, the dev mailbox), Telegram's deep link (internal)
and its webhook (Telegram's secret header), one router per resource."""

from . import admin_notification_actions, admin_notifications, dev_mailbox, telegram, transactional

ROUTERS = (
    transactional.router,
    admin_notifications.router,
    admin_notification_actions.router,
    dev_mailbox.router,
    telegram.links_router,
    telegram.webhook_router,
)
