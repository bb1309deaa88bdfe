"""What an operator watches: Prometheus metrics and W3C trace context propagation."""
