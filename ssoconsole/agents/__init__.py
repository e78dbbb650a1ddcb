"""Desktop agents: sign-in through the browser (a device-authorization hand-off) and agent tokens."""
