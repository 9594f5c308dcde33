"""Daichō data service."""
