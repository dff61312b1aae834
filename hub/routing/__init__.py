"""Routing: which tenant is responsible, and which connector instances receive a case."""
