"""Backups: the database (pg_dump -Fc, or SQLite's online backup API) and the uploaded files in one tar file."""
