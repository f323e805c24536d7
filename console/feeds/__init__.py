"""Outside systems over HTTP: unit GPS from a Traccar server, appeals from Open311 platforms, tile prefetch.

Feeds run in one place per center (`dispatch-console feeds`, or a worker inside a single workstation's console),
never once per console. Each source has its own `requests.Session`, timeouts, retries with backoff, and a health
state (ok / degraded / down) in the `feed_health` table that every console shows.
"""
