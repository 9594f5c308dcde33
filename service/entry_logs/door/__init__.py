"""The door: a station's sign-in, token and heartbeat, its scans, and 「カードを忘れた方」."""
