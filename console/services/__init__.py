"""Services: the only writers. Keyword-only functions taking the session; one transaction per call."""
