"""ユーザー管理 and the caller's own CRM profile."""
