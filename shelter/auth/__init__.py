"""Bearer tokens and the four roles: public, kiosk, staff, hq."""
