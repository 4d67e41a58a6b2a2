"""The JSON-RPC surface: one module per area of methods, and the dispatcher over them."""
