"""Households, their members and needs, and the QR passes they check in with."""
