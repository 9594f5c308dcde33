"""投入依頼 (§2.3, §3.1, §3.2, §3.4): its routes, its rules (filing and lists, status changes, the input team's queue)
and its bodies."""
