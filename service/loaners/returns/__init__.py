"""返却待ち: devices to bring home, by days in their held status, and the weekly digest."""
