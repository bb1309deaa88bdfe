"""The `kubecommit` command line: runs the server and the simulator, and talks to a server."""
