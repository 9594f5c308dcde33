"""Pieces shared by the thin clients: config (stdlib only), station_api (the station's wire models, pydantic) and
phones (phone numbers as dialled, the rule the dashboards and the service's files follow)."""
