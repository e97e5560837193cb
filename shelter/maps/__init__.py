"""The public page's map: which tiles, whose attribution, and the one host the CSP allows."""
