"""What every CRM form reads: masters, vocabulary, dry runs."""
