"""The notifier's HTTP interface: routes, answers' shapes, and the context routes run with."""
