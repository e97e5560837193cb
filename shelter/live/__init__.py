"""Live fan-out of shelter changes (the websocket feed builds on this)."""
