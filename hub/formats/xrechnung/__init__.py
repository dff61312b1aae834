"""XRechnung (EN 16931) e-invoices: official validation, a summary and an HTML rendering."""
