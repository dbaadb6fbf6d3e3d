"""The notifier's tables and what reads and writes them: the delivery log,
subscriptions, suspensions, the backlog, the migrations."""
