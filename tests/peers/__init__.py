"""Stand-in back offices: small programs that behave like the real ones, for tests and demos."""
