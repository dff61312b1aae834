"""Workload names, clashes and back-office egress, from small configurations."""

from __future__ import annotations

import pytest

from hub.config import HubConfig
from hub.config.tenants import ConnectorConfig, Tenant
from hub.k8s import RenderError, RenderOptions, plan, render
from hub.k8s.plan import k8s_name


def _tenant(tenant_id: str, connectors: dict[str, dict[str, object]]) -> Tenant:
    return Tenant(
        id=tenant_id,
        name=tenant_id,
        connectors={cid: ConnectorConfig.model_validate(c) for cid, c in connectors.items()},
    )


DROP = {"kind": "dms.xdomea", "transport": {"type": "directory", "path": "/srv/x"}}


def _config(*tenants: Tenant) -> HubConfig:
    return HubConfig(tenants={t.id: t for t in tenants}, portals={})


def test_connector_ids_that_become_the_same_name_are_refused() -> None:
    config = _config(_tenant("ab", {"c-d": DROP}), _tenant("ab-c", {"d": DROP}))
    with pytest.raises(RenderError, match="rename one of the connector ids"):
        plan(config, RenderOptions(), notifier=False)


def test_names_longer_than_a_label_are_refused() -> None:
    with pytest.raises(RenderError, match="at most 63"):
        k8s_name("ikz-hub", "connector", "a" * 40, "b" * 20)


def test_a_host_named_back_office_is_pinned_by_its_cidr(capsys: pytest.CaptureFixture[str]) -> None:
    http = {
        "kind": "procedure.rest",
        "transport": {"type": "http", "url": "https://fv.example.org/api"},
    }
    config = _config(_tenant("town", {"fv": http}))
    pinned = render(config, RenderOptions(egress_cidrs={"fv.example.org": "198.51.100.0/28"}))
    (policy,) = [
        d for d in pinned.resources() if d["metadata"]["name"] == "ikz-hub-connector-town-fv-egress"
    ]
    assert [
        {
            "to": [{"ipBlock": {"cidr": "198.51.100.0/28"}}],
            "ports": [{"protocol": "TCP", "port": 443}],
        }
    ] == policy["spec"]["egress"]
    assert "fv.example.org:443" == policy["metadata"]["annotations"]["ikz-hub/egress-hosts"]
    assert "" == capsys.readouterr().err
    unpinned = render(config, RenderOptions())
    (policy,) = [
        d
        for d in unpinned.resources()
        if d["metadata"]["name"] == "ikz-hub-connector-town-fv-egress"
    ]
    assert [{"ports": [{"protocol": "TCP", "port": 443}]}] == policy["spec"]["egress"]
    assert "no CIDR for fv.example.org" in capsys.readouterr().err


def test_a_token_from_a_file_is_mounted_from_the_connectors_secret() -> None:
    http = {
        "kind": "procedure.rest",
        "transport": {
            "type": "http",
            "url": "http://10.1.2.3/import",
            "auth": {"secret_ref": {"file": "/run/secrets/fv/token"}},
        },
    }
    config = _config(_tenant("town", {"fv": http}))
    manifests = render(config, RenderOptions(secrets_per_role=True))
    (deployment,) = [
        d
        for d in manifests.resources()
        if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-fv")
    ]
    pod = deployment["spec"]["template"]["spec"]
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    volume = {v["name"]: v for v in pod["volumes"]}[mounts["/run/secrets/fv"]["name"]]
    assert [
        {
            "secret": {
                "name": "ikz-hub-connector-town-fv-credentials",
                "items": [{"key": "token", "path": "token"}],
            }
        }
    ] == volume["projected"]["sources"]
    assert mounts["/run/secrets/fv"]["readOnly"] is True
    router = next(
        d
        for d in manifests.resources()
        if d["kind"] == "Deployment" and d["metadata"]["name"] == "ikz-hub-router"
    )
    assert "secret-files-0" not in {
        v["name"] for v in router["spec"]["template"]["spec"]["volumes"]
    }
