"""監査ログ (§2.8): the CRM's view of the platform audit log."""
