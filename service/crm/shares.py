"""The CRM's figures' shares (a fraction to four places; 0 of nothing) and the name of a table's total row."""

TOTAL = "合計"


def share(part: int, whole: int) -> float:
    """0 of nothing."""
    return round(part / whole, 4) if whole else 0.0
