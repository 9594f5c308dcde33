"""A terminal's store (店舗): its 設置店舗名 without the till that ends it. §2.1 names terminals 「○○店舗 レジ1番」, so
the tills of one store share the store, and the store alert, the store's incidents and maintenance windows go by it."""

import re

# The till ending a 設置店舗名: a last part after a space that ends in a number, perhaps read 番, 号 or 号機
# (「レジ1番」, 「会計2」, 「POS-3」, 「1号機」).
TILL = re.compile(r"[\s\u3000]+[^\s\u3000]*[0-9０-９]+(?:番機|号機|番|号)?$")


def store_of(store_name: str) -> str:
    """「新宿店 レジ1番」 → 「新宿店」; a name without a till part is its own store (「新宿店」, 「渋谷店 2F」)."""
    name = store_name.strip()
    return TILL.sub("", name) or name
