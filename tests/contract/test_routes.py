"""Every HTTP route of the contract has one owner: no two bindings of one HTTP method (rules and
additional_bindings of every service) can match the same URL. Transcoders break such ties
differently, and Envoy's choice once sent typed-view URLs to unbuilt services."""

from __future__ import annotations

import pytest

from server.contract import SERVICES
from tests.contract.routes import ANY, REST, Binding, TemplateError, bindings, collisions, overlap, parse

# Overlaps accepted on purpose, each with why no real URL is ambiguous. A version of a Namespace
# object (`clusters/c/namespaces/web/versions/3`) has the shape of a namespaced object of a kind
# `versions`; Kubernetes has no such built-in kind, and custom kinds always carry a group
# (`versions.example.com`), so the URL can only mean the version. Envoy prefers the literal template.
_NAMESPACE_VERSION = "a Namespace object's version: no Kubernetes kind is called plain `versions`"
ACCEPTED: dict[frozenset[tuple[str, str]], str] = {
    frozenset({("ClustersService.GetResource", "/v1/{name=clusters/*/namespaces/*/*/*}"),
               ("YamlVersionsService.GetVersion", "/v1/{name=clusters/*/*/*/versions/*}")}): _NAMESPACE_VERSION,
    frozenset({("ClustersService.GetResource", "/v1/{name=clusters/*/namespaces/*/*/*}"),
               ("YamlVersionsService.GetVersion", "/v1/{name=clusters/*/namespaces/*/versions/*}")}): _NAMESPACE_VERSION,
    frozenset({("YamlVersionsService.GetVersion", "/v1/{name=clusters/*/*/*/versions/*}"),
               ("YamlVersionsService.GetVersion", "/v1/{name=clusters/*/namespaces/*/versions/*}")}): _NAMESPACE_VERSION,
}


def _key(pair: tuple[Binding, Binding]) -> frozenset[tuple[str, str]]:
    return frozenset((b.rpc, b.template) for b in pair)


def test_no_two_bindings_of_one_method_match_the_same_url() -> None:
    found = collisions(bindings(SERVICES.values()))
    unexpected = [f"{a}  <->  {b}" for a, b in found if _key((a, b)) not in ACCEPTED]
    assert not unexpected, "HTTP routes that can match the same URL:\n" + "\n".join(unexpected)
    # An accepted overlap that no longer exists is a stale entry.
    assert {_key(pair) for pair in found} >= set(ACCEPTED)


def test_every_rpc_has_a_binding_and_every_template_parses() -> None:
    everything = bindings(SERVICES.values())
    bound = {b.rpc for b in everything}
    for service in SERVICES.values():
        for method in service.methods:
            assert f"{service.name}.{method.name}" in bound
    for binding in everything:
        parse(binding.template)


@pytest.mark.parametrize(("first", "second", "expected"), [
    # The collisions issue 11 found: a typed view on a path the generic route also matches.
    ("/v1/{name=clusters/*/namespaces/*/*/*}", "/v1/{name=clusters/*/namespaces/*/resourcequotas/*}", True),
    ("/v1/{name=clusters/*/*/*}", "/v1/{name=clusters/*/customresourcedefinitions.apiextensions.k8s.io/*}", True),
    ("/v1/{parent=clusters/*/*}", "/v1/{name=clusters/*/health}", True),
    # Different segment counts, literals or verbs never meet.
    ("/v1/{name=clusters/*}", "/v1/clusters:summarize", False),
    ("/v1/{name=clusters/*}", "/v1/{name=clusters/*}:test", False),
    ("/v1/{name=clusters/*/namespaces/*/*/*}", "/v1/quotas/{name=clusters/*/namespaces/*/resourcequotas/*}", False),
    ("/v1/{name=clusters/*/namespaces/*/*/*}", "/v1/{name=clusters/*/*/*}", False),
    ("/v1/tags", "/v1/{name=tags/*}", False),
    ("/v1/{name=clusters/*/health}", "/v1/{name=clusters/*/metrics}", False),
    # `**` matches zero or more segments; `{x}` is `{x=*}`.
    ("/v1/{name=files/**}", "/v1/files", True),
    ("/v1/{name=files/**}", "/v1/files/a/b/c", True),
    ("/v1/{name=files/**}:get", "/v1/files/a", False),
    ("/v1/{a=x/**}", "/v1/{b=x/**}", True),
    ("/v1/shelves/{shelf}/books", "/v1/{parent=shelves/*}/books", True),
    ("/v1/shelves/{shelf}", "/v1/shelves/{shelf}/books", False),
    ("/v1/{name=*}:cancel", "/v1/operations:cancel", True),
])
def test_overlap_follows_the_template_grammar(first: str, second: str, expected: bool) -> None:
    assert overlap(parse(first), parse(second)) is expected
    assert overlap(parse(second), parse(first)) is expected


def test_a_deliberately_overlapping_pair_is_reported() -> None:
    rules = [Binding("Svc.GetThing", "GET", "/v1/{name=clusters/*/namespaces/*/*/*}"),
             Binding("Svc.GetQuota", "GET", "/v1/{name=clusters/*/namespaces/*/resourcequotas/*}"),
             Binding("Svc.DeleteQuota", "DELETE", "/v1/{name=clusters/*/namespaces/*/resourcequotas/*}")]
    # Only the two GETs: a DELETE on the same URL is a different route.
    assert collisions(rules) == [(rules[0], rules[1])]


def test_templates_parse_into_segments_and_verb() -> None:
    assert parse("/v1/{name=clusters/*}:sync") == (("v1", "clusters", ANY), "sync")
    assert parse("/v1/{parent=clusters/*/namespaces/*}/containers") == (
        ("v1", "clusters", ANY, "namespaces", ANY, "containers"), "")
    assert parse("/v1/{x}/{y=a/**}") == (("v1", ANY, "a", REST), "")
    for bad in ["v1/x", "/v1//x", "/v1/{x=a/**/b}", "/v1/{x", "/v1/a{x}", "/v1/x:", "/v1/{1x}"]:
        with pytest.raises(TemplateError):
            parse(bad)
