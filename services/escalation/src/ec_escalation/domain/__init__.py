"""The escalation process itself: pure, no I/O."""
