"""The escalation itself: commands, the decisions they lead to, the state folded
from events, the criteria that start escalations, and the measures taken of
them. Pure: the standard library, pydantic, yaml and ec_events only."""
