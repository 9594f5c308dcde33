"""Training material (§3): the twelve manuals in `manuals/`, the requester FAQ page and the manuals' PDFs."""
