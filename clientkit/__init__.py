"""Pieces shared by the thin clients (store agent, scan station); imports nothing heavier than the stdlib."""
