"""Console views, one module per area; each is guarded by ``accounts.access.console_view``."""
