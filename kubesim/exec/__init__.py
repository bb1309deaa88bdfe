"""Exec into simulated containers: websocket protocol, shell interpreter, in-memory filesystem."""
