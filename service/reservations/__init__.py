"""予約 (QRV): reservation requests from AI chats over MCP, SMS, automated shop calls, payment and manual operations."""
