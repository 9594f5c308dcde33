"""Masters (§2.2, §3.1): locations, models, the fixed categories and the data types that drive the views."""
