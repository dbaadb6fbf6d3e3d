"""What pages read: the services' HTTP APIs called with the user's own token, and
the data each page gathers from them."""
