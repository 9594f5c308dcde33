"""Imports: Google Forms response sheets (CSV) stored as history, dry run first."""
