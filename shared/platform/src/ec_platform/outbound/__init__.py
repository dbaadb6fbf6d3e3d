"""Where the services may send requests: the policy, and the transport that
applies it on each connection."""
