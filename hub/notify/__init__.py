"""Status callbacks: the hub tells the portals about every status change of their cases."""
