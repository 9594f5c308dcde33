"""Incidents (§5): levels, targets, escalation to the executives, the incident log."""
