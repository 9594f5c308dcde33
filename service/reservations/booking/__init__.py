"""Booking over MCP (§2.1): the MCP server at /mcp and its clients, taking, editing and cancelling a reservation,
retries and booking quotas."""
