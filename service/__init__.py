"""Daichō data service."""

VERSION = "0.1.0"  # the version the API's OpenAPI and the MCP server's initialize answer give
