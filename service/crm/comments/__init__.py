"""不備・コメント (§2.7), read marks and in-app notifications."""
