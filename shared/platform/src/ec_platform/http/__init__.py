"""The HTTP side every service shares: problem details, tokens and roles, request
limits and bodies, paging, the OpenAPI document and its offline /docs, metrics and health."""
