"""Pieces shared by the thin clients: config (stdlib only) and station_api (the station's wire models, pydantic)."""
