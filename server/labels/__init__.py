"""LabelsService's domain: see server/labels/domain.py and docs/labels.md."""

from server.labels.domain import Labels

__all__ = ["Labels"]
