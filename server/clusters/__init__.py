"""Cluster inventory: registrations kept in git, credentials encrypted beside the store,
volatile state (reachability, last sync) in a small local database."""
