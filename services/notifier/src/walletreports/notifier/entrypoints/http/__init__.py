"""HTTP entrypoints: account mail from web (/v1/transactional) and the staff console's
(/admin/api: notifications, resend, the dev mailbox), one router per resource."""

from . import admin_notification_actions, admin_notifications, dev_mailbox, transactional

ROUTERS = (
    transactional.router,
    admin_notifications.router,
    admin_notification_actions.router,
    dev_mailbox.router,
)
