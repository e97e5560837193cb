"""The shelter registry and the municipal open-data import."""
