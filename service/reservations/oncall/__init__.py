"""On call (§2.3): team hours, the rotation and its overrides, paging the person on duty and the acknowledgement."""
