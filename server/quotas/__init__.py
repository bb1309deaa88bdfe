"""QuotasService's domain: ResourceQuotas and LimitRanges written through the versions domain,
their usage, trends, projections, alert thresholds and sizing advice (docs/quotas.md)."""
