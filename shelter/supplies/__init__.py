"""What each shelter needs sent per day, for the people inside and outside it."""
