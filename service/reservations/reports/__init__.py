"""Reports (§4.2.2, §6.2): the executive summary, the monthly and weekly PDFs, and the named figures."""
