"""Payments: invoices, Solana Pay URLs, the chain watcher, refunds."""
