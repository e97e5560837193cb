"""shelter: evacuation shelter check-in, occupancy and vacancy."""
