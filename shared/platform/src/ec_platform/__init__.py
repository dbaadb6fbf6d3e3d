"""Escalation Center's shared infrastructure. At the top, what assembles and runs a
service (app, wiring, serve, settings, clock, tasks, inputs) and the operator commands
(`python -m ec_platform.dlq`, `python -m ec_platform.topics`); below, one package per
kind: http/, storage/, bus/, asyncapi/, observability/, outbound/."""
