"""Headers every answer carries, set in one place (``edge.py``) instead of route by route.

- ``X-Content-Type-Options: nosniff`` on everything: a browser never second-guesses a type
  (a CSV or a PNG is never run as a script).
- ``Cache-Control: no-store`` on every API answer that does not say otherwise: tokens,
  pass codes and personal data must never sit in a browser's or a proxy's cache. The few
  answers meant to be cached (occupancy with its ETag, pass images) set their own.
"""

from __future__ import annotations

NOSNIFF = (b"x-content-type-options", b"nosniff")
NO_STORE = (b"cache-control", b"no-store")
