"""What the service does, each in one transaction: commands on escalations
with what they imply, incident events, customers' links and acts, and the
reads the routes make."""
