"""HTTP entrypoints: the internal API for web (/v1) and the staff console's (/admin/api)."""
