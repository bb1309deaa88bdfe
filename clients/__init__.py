"""Clients of kubecommit: the Python CLI (`kubecommit`), a Node example, buf curl examples."""
