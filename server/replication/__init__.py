"""More than one copy of the store: pushed to a git remote, fetched by replicas that read."""
