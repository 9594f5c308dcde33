"""One way to search text columns: what a person types matches literally, so `%` and `_` are not wildcards.

The search text arrives NFKC (schemas.QueryText: ＡＢＣ typed with the IME on is ABC), while a name is stored as it
was typed, full-width letters and all (ＡＢＣ商事): a term also matches its full-width form, so 「ＡＢＣ」 and 「abc」
find 「ＡＢＣ商事」 as they find 「ABC商事」. (Normalising the stored column in the query instead costs a Unicode
normalisation of every row searched: PostgreSQL's normalize() over 1,000,000 short names took 2 to 5 times as long as
the ILIKE alone, and no trigram index serves it.) A column kept for searching alone is stored NFKC (the loaners'
search text).
"""

from sqlalchemy import ColumnElement, SQLColumnExpression, or_

# ASCII's printable characters and the space as the IME types them: U+FF01–U+FF5E and the ideographic space
FULL_WIDTH = {code: code + 0xFEE0 for code in range(0x21, 0x7F)} | {0x20: 0x3000}


def typed_forms(term: str) -> list[str]:
    """The term and its full-width forms (upper and lower case too: SQLite folds the case of ASCII only)."""
    return list(dict.fromkeys((term, *(form.translate(FULL_WIDTH) for form in (term, term.upper(), term.lower())))))


def contains(text: str, *columns: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """Any of the columns holds the text, or its full-width form, ignoring case and surrounding blanks."""
    forms = typed_forms(text.strip())
    return or_(*(column.icontains(form, autoescape=True) for column in columns for form in forms))


def starts_with(text: str, column: SQLColumnExpression[str]) -> ColumnElement[bool]:
    """The column begins with the text, case kept so a plain index on the column serves it."""
    return column.startswith(text.strip(), autoescape=True)
