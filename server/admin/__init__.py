"""Administration through the API (AdminService): tokens, the audit log and live exec sessions.
The same stores the `kubecommit token` and `kubecommit audit` commands open on the data
directory; see docs/security.md."""
