"""The event catalogue: the AsyncAPI document of what the services publish and
consume, its headers and payload schemas, and the route that serves it."""
