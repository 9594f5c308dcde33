"""Manual operations (§2.2): the queue of what needs a person, notes, undelivered notices, and the deadline sweep."""
