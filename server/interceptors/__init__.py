"""Server interceptors. Order matters: the request interceptor is outermost so that every error,
including authentication failures, is mapped and logged the same way."""
