"""Who may see a page: sessions, CSRF, the headers every answer carries, and the
customer page's guard."""
