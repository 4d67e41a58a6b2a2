"""The web database. Only this service reads or writes it."""

from sqlalchemy import MetaData

from walletreports.kit.messaging.tables import inbox_table, outbox_table

metadata = MetaData()
outbox = outbox_table(metadata)
inbox = inbox_table(metadata)
