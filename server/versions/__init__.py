"""YamlVersionsService's domain: manifests applied to clusters and recorded as commits, history,
diffs, rollback, tags, branches, merges, drift and backups on top of gitstore.

`main` is what was applied to the clusters: every write to it goes to the cluster first and is
committed only for what the cluster accepted. Other branches are drafts. See docs/versions.md.
"""
