"""What a page shows, pure: times and states as text, forms and commands, charts
and reports."""
