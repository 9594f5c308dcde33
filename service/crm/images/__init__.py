"""明細画像 (§2.6): uploads checked and stored as files, served, linked to sites."""
