"""The dune_runner database. Only this service reads or writes it."""

from sqlalchemy import MetaData

from walletreports.kit import kit_tables

metadata = MetaData()
outbox, inbox, side_effects = kit_tables(metadata)
