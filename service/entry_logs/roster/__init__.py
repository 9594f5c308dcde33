"""The roster: nurseries and their stations' settings, parents, children, the roster CSV import."""
