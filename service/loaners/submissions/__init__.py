"""Status forms and submissions (§2.1, §2.3): questions as data, appending answers (the QR code's form), bulk
status change."""
