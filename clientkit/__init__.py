"""Pieces shared by the thin clients: config (stdlib only), station_api (the station's wire models, pydantic), backoff
(how long to wait before trying again, tenacity; the jobs wait so too), phones (phone numbers as dialled, the rule
the dashboards and the service's files follow) and templates (the HTML the service and the dashboards write, each
value escaped, Jinja2)."""
