"""The reports: figures over a period, and one escalation's review report laid
out as HTML and PDF."""
