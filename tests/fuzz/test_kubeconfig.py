"""Kubeconfig vetting under generated input: any text, and kubeconfig-shaped documents whose
fields hold the wrong types, are vetted or refused with InvalidArgument naming the cluster's
kubeconfig or context field, never another exception."""

from __future__ import annotations

from hypothesis import example, given, strategies as st

import yaml

from server.errors import InvalidArgument
from server.kube.kubeconfig import parse_kubeconfig

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                    st.sampled_from(["http://127.0.0.1:1", "https://[::1", "https://h:99999", "ftp://x", "/etc/key"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=8)
keys = st.sampled_from(["name", "cluster", "user", "context", "server", "token", "exec", "auth-provider",
                        "client-key", "client-certificate-data", "client-key-data", "username", "password",
                        "certificate-authority", "tokenFile"])
entries = st.lists(st.dictionaries(keys, st.one_of(values, st.dictionaries(keys, values, max_size=4)), max_size=3),
                   max_size=3)
documents = st.fixed_dictionaries({}, optional={"kind": st.sampled_from(["Config", "Pod"]) | values,
                                                "current-context": values, "contexts": entries | values,
                                                "clusters": entries | values, "users": entries | values})


def vet(text: str, context: str = "") -> None:
    try:
        parse_kubeconfig(text, context)
    except InvalidArgument as error:
        assert error.violations[0].field in ("cluster.kubeconfig", "cluster.context")


@given(documents, st.text(max_size=10))
@example({"current-context": "c", "contexts": [{"name": "c", "context": {"cluster": ["x"]}}]}, "")
@example({"current-context": "c", "contexts": [{"name": "c", "context": {"cluster": "k"}}],
          "clusters": [{"name": "k", "cluster": {"server": "https://[::1"}}]}, "")
@example({"current-context": ["c"]}, "")
def test_kubeconfig_shaped_documents(document: dict, context: str) -> None:
    vet(yaml.safe_dump(document), context)


@given(st.text(max_size=300))
@example("a: &a [*a]")
@example("a: " + "[" * 100 + "]" * 100)
def test_arbitrary_text(text: str) -> None:
    vet(text)
