"""Partner shops (§2.1): service types and shops (call lists, hours, CSV), and the calls that ask them."""
