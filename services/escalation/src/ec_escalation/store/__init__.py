"""Where escalations are kept: the tables and their migrations, the event store
and the projections written with each append, and the reads over them."""
