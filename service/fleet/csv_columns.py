"""What the fleet's CSV downloads share: a column naming a record by its name under the reference's declared
words, such as the customer of a terminal and of its work."""

from typing import Any

from service import fields
from service.exports import field
from service.fleet.models import Terminal
from service.sheets import Column


def named(reference: Any, name: str) -> Column:
    """A column headed by a reference's declared words (担当者), showing the record it names by name."""
    return field(fields.facts(reference).label, name)


CUSTOMER = named(Terminal.customer_id, "company_name")  # 顧客企業: the customer of a terminal and of its work
