"""The operator console (§4.2.1): today's counts, the week's KPIs, notifications, and the reservation list and
page."""
