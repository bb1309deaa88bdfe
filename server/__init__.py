"""kubecommit's gRPC server: wiring, interceptors, one module per service, cluster access."""
