"""The one write path: every change runs here, and its statuses go to the screens from here."""
