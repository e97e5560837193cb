"""Reports for HQ and the prefecture: the daily report, from the event log."""
