"""Counts → ShelterStatus, levels, totals and the alternatives offered when one is full."""
