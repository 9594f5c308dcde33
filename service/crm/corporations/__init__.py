"""法人 (§2.4): one company one corporation, card data, search and 法人の統合."""
