"""地点 (§2.5): the back office's entry of each site, the fields 投入済 needs, the carrier CSV."""
