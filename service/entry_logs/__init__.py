"""入退管理: nursery parents entering and leaving, scan stations, attendance."""
