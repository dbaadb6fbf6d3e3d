"""The escalation service's HTTP interface: routes, bodies, answers, and the
`Annotated` context every route runs with. Routes reach the store only
through the use cases."""
