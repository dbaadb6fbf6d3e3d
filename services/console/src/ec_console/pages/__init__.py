"""The console's pages: each page's routes, the customer's page, how a page is
rendered, and the context every route runs with."""
