"""The cluster deployment in `deployment/k8s`: manifests made only of fields Kubernetes knows, and Helm values that
name the settings, services, volumes and secrets the code and the other manifests actually have.

No cluster is needed: each manifest is checked field by field against the Kubernetes API models of the
`kubernetes` client (a typo such as `readinesProbe` fails), and the values are read as YAML."""

import re
import tomllib
import urllib.parse
from pathlib import Path

import kubernetes
import pytest
import yaml

from s1mm_assets.defs.cluster import caption_step_tags, scoring_step_tags
from s1mm_assets.lib.settings import load_settings, setting_variables

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENT = ROOT / "deployment" / "k8s"
MODELS = {
    ("v1", "PersistentVolumeClaim"): kubernetes.client.V1PersistentVolumeClaim,
    ("v1", "Service"): kubernetes.client.V1Service,
    ("v1", "Secret"): kubernetes.client.V1Secret,
    ("apps/v1", "Deployment"): kubernetes.client.V1Deployment,
}
_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\((\w+), (.+)\)$")
_PRIMITIVES = {"str": str, "int": int, "bool": bool}  # `object` fields (ports, quantities) take either form


def unknown_fields(model: type, data: object, where: str) -> list[str]:
    """Every key of `data` that the Kubernetes model (and, recursively, the models of its fields) has no field for,
    and every string, number or flag of the wrong type (YAML reads `--flag={"a": 1}` as a mapping)."""
    if not isinstance(data, dict):
        return [f"{where}: expected an object, got {type(data).__name__}"]
    by_json_name = {json_name: attribute for attribute, json_name in model.attribute_map.items()}
    problems = []
    for key, value in data.items():
        if key not in by_json_name:
            problems.append(f"{where}.{key}: not a field of {model.__name__}")
            continue
        problems += _unknown_in_value(model.openapi_types[by_json_name[key]], value, f"{where}.{key}")
    return problems


def _unknown_in_value(type_name: str, value: object, where: str) -> list[str]:
    if (match := _LIST.match(type_name)) and isinstance(value, list):
        return [
            problem
            for index, item in enumerate(value)
            for problem in _unknown_in_value(match[1], item, f"{where}[{index}]")
        ]
    if (match := _DICT.match(type_name)) and isinstance(value, dict):
        return [
            problem for key, item in value.items() for problem in _unknown_in_value(match[2], item, f"{where}.{key}")
        ]
    if type_name in _PRIMITIVES:
        expected = _PRIMITIVES[type_name]
        return [] if isinstance(value, expected) else [f"{where}: expected {type_name}, got {value!r}"]
    model = getattr(kubernetes.client, type_name, None)
    return unknown_fields(model, value, where) if model is not None and hasattr(model, "attribute_map") else []


def manifests() -> list[tuple[str, dict]]:
    return [
        (path.name, document)
        for path in sorted(DEPLOYMENT.glob("*.yaml"))
        if path.name != "values.yaml"
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def named(kind: str, name: str) -> dict:
    [document] = [doc for _, doc in manifests() if doc["kind"] == kind and doc["metadata"]["name"] == name]
    return document


@pytest.fixture(scope="module")
def code_location() -> dict:
    values = yaml.safe_load((DEPLOYMENT / "values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    return deployment


def test_the_field_check_catches_a_misspelt_field_and_an_argument_yaml_read_as_a_mapping():
    container = yaml.safe_load(
        """
        name: vllm
        image: x
        args:
          - --limit-mm-per-prompt={"image": 1}
        readinesProbe: {httpGet: {path: /health, port: 8000}}
        """
    )
    deployment = {"spec": {"template": {"spec": {"containers": [container]}}}}
    argument, field = unknown_fields(kubernetes.client.V1Deployment, deployment, "Deployment")
    assert argument.startswith("Deployment.spec.template.spec.containers[0].args[0]: expected str, got {")
    assert field == "Deployment.spec.template.spec.containers[0].readinesProbe: not a field of V1Container"


def test_every_manifest_is_made_of_fields_kubernetes_knows():
    found = manifests()
    assert {doc["kind"] for _, doc in found} == {"PersistentVolumeClaim", "Deployment", "Service", "Secret"}
    for file_name, document in found:
        model = MODELS[(document["apiVersion"], document["kind"])]
        assert unknown_fields(model, document, f"{file_name}:{document['kind']}") == []


def test_the_vllm_service_serves_the_model_the_code_location_asks_for(code_location):
    url = urllib.parse.urlsplit(code_location["env"]["S1MM_VLLM_URL"])
    service, deployment = named("Service", url.hostname), named("Deployment", "vllm")
    [port] = [port for port in service["spec"]["ports"] if port["port"] == url.port]
    pod = deployment["spec"]["template"]
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    [container] = pod["spec"]["containers"]
    assert port["targetPort"] in {container_port["name"] for container_port in container["ports"]}
    arguments = dict(argument.removeprefix("--").split("=", 1) for argument in container["args"])
    assert arguments["served-model-name"] == code_location["env"]["S1MM_VLLM_MODEL"]
    assert arguments["port"] == str(container["ports"][0]["containerPort"])
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1


def test_the_code_location_sets_only_settings_the_code_reads(code_location):
    environment = code_location["env"]
    assert environment and set(environment) <= set(setting_variables()), set(environment) - set(setting_variables())
    settings = load_settings(environment)  # every value is one its setting accepts
    # On the cluster the captions come from the vLLM Deployment and the scores from a GPU step pod.
    assert settings.cluster.executor == "k8s"
    assert caption_step_tags(settings.captioner) == {} and scoring_step_tags(settings.scoring) != {}


def test_the_code_location_mounts_the_volumes_and_secrets_the_manifests_create(code_location):
    for volume in code_location["volumes"]:
        assert unknown_fields(kubernetes.client.V1Volume, volume, "volume") == []
        if "persistentVolumeClaim" in volume:
            assert named("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    mounted = {mount["name"]: mount["mountPath"] for mount in code_location["volumeMounts"]}
    assert set(mounted) == {volume["name"] for volume in code_location["volumes"]}
    for name, value in code_location["env"].items():
        if value.startswith("/"):  # a path setting lies on a mounted volume
            assert any(value.startswith(path + "/") or value == path for path in mounted.values()), name
    for secret in code_location["envSecrets"]:
        assert named("Secret", secret["name"])


def test_the_image_serves_the_code_location_the_chart_loads_with_extras_the_project_declares(code_location):
    dockerfile = (DEPLOYMENT / "Dockerfile").read_text()
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    [extras] = re.findall(r"^ARG EXTRAS=(\S+)$", dockerfile, re.MULTILINE)
    assert set(extras.split(",")) <= set(pyproject["project"]["optional-dependencies"])
    module = pyproject["tool"]["dagster"]["module_name"]
    assert code_location["dagsterApiGrpcArgs"] == ["--module-name", module]
    assert f'"--module-name", "{module}"' in dockerfile and f'"--port", "{code_location["port"]}"' in dockerfile


def test_pods_run_as_the_image_user_on_a_read_only_root_with_only_tmp_writable(code_location):
    """Strangers' papers are parsed in these pods: the code location's pod and the run pods run as the image's
    unprivileged user, on a read-only root filesystem, with /tmp (the extraction workers' folders) writable."""
    values = yaml.safe_load((DEPLOYMENT / "values.yaml").read_text())
    run_pods = values["runLauncher"]["config"]["k8sRunLauncher"]["runK8sConfig"]
    [user] = re.findall(r"^USER (\d+):(\d+)$", (DEPLOYMENT / "Dockerfile").read_text(), re.MULTILINE)
    for pod, container in (
        (code_location["podSecurityContext"], code_location["securityContext"]),
        (run_pods["podSpecConfig"]["securityContext"], run_pods["containerConfig"]["securityContext"]),
    ):
        assert unknown_fields(kubernetes.client.V1PodSecurityContext, pod, "pod") == []
        assert unknown_fields(kubernetes.client.V1SecurityContext, container, "container") == []
        assert pod["runAsNonRoot"] and (str(pod["runAsUser"]), str(pod["runAsGroup"])) == user
        assert container["readOnlyRootFilesystem"] and not container["allowPrivilegeEscalation"]
    scratch = {mount["mountPath"]: mount["name"] for mount in code_location["volumeMounts"]}["/tmp"]
    assert {volume["name"]: volume for volume in code_location["volumes"]}[scratch]["emptyDir"]


def test_the_instance_settings_written_past_the_chart_are_ones_dagster_accepts():
    from dagster._config import validate_config  # Dagster's own check of dagster.yaml
    from dagster._core.instance.config import dagster_instance_config_schema

    values = yaml.safe_load((DEPLOYMENT / "values.yaml").read_text())
    extra = values["additionalInstanceConfig"]
    result = validate_config(dagster_instance_config_schema(), extra)
    assert result.success, [error.message for error in result.errors]
    assert extra["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    # the chart writes its own run_monitoring block when asked to: it must not, or dagster.yaml has two
    assert values["dagsterDaemon"]["runMonitoring"]["enabled"] is False
