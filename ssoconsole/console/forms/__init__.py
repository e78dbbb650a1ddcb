"""Django forms of the console: they shape input for the services, which have the last word."""
