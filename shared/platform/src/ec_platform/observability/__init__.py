"""Traces carried across every hop, and log lines that name their trace."""
