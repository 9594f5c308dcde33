"""Archives (§8.2): the 3-year rotation of submissions into gzip archives and reading them back."""
