"""Running the console in production: proxies, health, metrics, request logs and fault pages.

Nothing here knows about tenants or sign-in rules; the apps call in (the
client address, a metric) and the middleware wraps every request.
"""
