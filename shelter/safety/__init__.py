"""安否 (safety) inquiries: is a person in a shelter, told only with their consent."""
