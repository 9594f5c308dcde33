"""Support (§7): inquiries, their KPIs and the satisfaction survey."""
