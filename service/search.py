"""One way to search text columns: what a person types matches literally, so `%` and `_` are not wildcards."""

from sqlalchemy import ColumnElement, SQLColumnExpression, or_


def contains(text: str, *columns: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """Any of the columns holds the text, ignoring case and surrounding blanks."""
    term = text.strip()
    return or_(*(column.icontains(term, autoescape=True) for column in columns))


def starts_with(text: str, column: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """The column begins with the text, case kept so a plain index on the column serves it."""
    return column.startswith(text.strip(), autoescape=True)
