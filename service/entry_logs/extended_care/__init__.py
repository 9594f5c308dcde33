"""延長保育: the nursery's hours, the month's extended care, its CSV and its figures."""
