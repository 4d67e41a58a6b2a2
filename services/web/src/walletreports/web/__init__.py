"""Web: public pages, accounts and the staff console."""
