"""Structure of the production-like compose stack and its worker image.

No Docker engine runs where the unit tests run, so the checks here are the validation:
the services, health checks, GPU reservation, scaling constraints, mounted paths and the
worker image's base and extras. Where a working ``docker`` is present, ``docker compose
config`` runs as well.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "compose"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
DOCKERFILE = COMPOSE_DIR / "Dockerfile"
PROMETHEUS_FILE = ROOT / "monitoring" / "prometheus.yml"

REQUIRED_SERVICES = {"kafka", "clickhouse", "prometheus", "grafana", "models", "migrate", "worker"}
CUDA_RUNTIME = re.compile(r"^nvidia/cuda:[\w.]+-(?:cudnn\d*-)?runtime-[\w.]+$")

_TOP_LEVEL_KEYS = {"name", "services", "volumes", "networks", "configs", "secrets", "include"}
# Service keys of the Compose specification; a typo such as `healthchek` is an error.
_SERVICE_KEYS = frozenset(
    {
        "annotations",
        "attach",
        "blkio_config",
        "build",
        "cap_add",
        "cap_drop",
        "cgroup",
        "cgroup_parent",
        "command",
        "configs",
        "container_name",
        "cpu_count",
        "cpu_percent",
        "cpu_period",
        "cpu_quota",
        "cpu_rt_period",
        "cpu_rt_runtime",
        "cpu_shares",
        "cpus",
        "cpuset",
        "credential_spec",
        "depends_on",
        "deploy",
        "develop",
        "device_cgroup_rules",
        "devices",
        "dns",
        "dns_opt",
        "dns_search",
        "domainname",
        "entrypoint",
        "env_file",
        "environment",
        "expose",
        "extends",
        "external_links",
        "extra_hosts",
        "gpus",
        "group_add",
        "healthcheck",
        "hostname",
        "image",
        "init",
        "ipc",
        "isolation",
        "label_file",
        "labels",
        "links",
        "logging",
        "mac_address",
        "mem_limit",
        "mem_reservation",
        "mem_swappiness",
        "memswap_limit",
        "network_mode",
        "networks",
        "oom_kill_disable",
        "oom_score_adj",
        "pid",
        "pids_limit",
        "platform",
        "ports",
        "post_start",
        "pre_stop",
        "privileged",
        "profiles",
        "pull_policy",
        "read_only",
        "restart",
        "runtime",
        "scale",
        "secrets",
        "security_opt",
        "shm_size",
        "stdin_open",
        "stop_grace_period",
        "stop_signal",
        "storage_opt",
        "sysctls",
        "tmpfs",
        "tty",
        "ulimits",
        "user",
        "userns_mode",
        "uts",
        "volumes",
        "volumes_from",
        "working_dir",
    }
)
_HEALTHCHECK_KEYS = {"test", "interval", "timeout", "retries", "start_period", "start_interval"}
_INTERPOLATION = re.compile(r"\$\{(\w+)(?:(:?[-?])((?:[^{}]|\{[^{}]*\})*))?\}")


@cache
def _compose() -> dict[str, Any]:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict), f"{COMPOSE_FILE} is not a mapping"
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = _compose()["services"]
    return services


def _default(value: str) -> str:
    """A compose value with each ``${VAR:-default}`` replaced by its default."""

    def replace(match: re.Match[str]) -> str:
        return _default(match.group(3)) if match.group(2) in {"-", ":-"} else ""

    return _INTERPOLATION.sub(replace, value)


def _env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _is_job(service: dict[str, Any]) -> bool:
    return str(service.get("restart", "no")) == "no"


def _healthcheck_enabled(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck") or {}
    return not check.get("disable", False) and check.get("test") not in (None, ["NONE"])


def _mounts(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(type, source, target) of each volume entry, short or long syntax."""
    mounts = []
    for entry in service.get("volumes", []):
        if isinstance(entry, dict):
            mounts.append((entry.get("type", "volume"), entry.get("source", ""), entry["target"]))
            continue
        source, target = entry.split(":")[:2]
        kind = "bind" if source.startswith((".", "/", "~")) else "volume"
        mounts.append((kind, source, target))
    return mounts


def _host_path(service: dict[str, Any], container_path: str) -> Path | None:
    """The repository path that a service sees at ``container_path`` through a bind mount."""
    for kind, source, target in _mounts(service):
        if kind != "bind":
            continue
        if container_path == target or container_path.startswith(target.rstrip("/") + "/"):
            rest = container_path[len(target) :].lstrip("/")
            return (COMPOSE_DIR / source / rest).resolve()
    return None


def _strings(node: object) -> list[str]:
    """Every string value in a parsed YAML document."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return []


def _docker_usable() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    for args in (["compose", "version"], ["info"]):
        try:
            result = subprocess.run(
                [docker, *args], capture_output=True, timeout=60, check=False, cwd=ROOT
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        if result.returncode != 0:
            return False
    return True


def _schema_problems(compose: dict[str, Any]) -> list[str]:
    problems = [
        f"unknown top-level key {key!r}"
        for key in compose
        if key not in _TOP_LEVEL_KEYS and not key.startswith("x-")
    ]
    declared_volumes = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        problems += [f"{name}: unknown key {key!r}" for key in service if key not in _SERVICE_KEYS]
        check = service.get("healthcheck") or {}
        extra = set(check) - _HEALTHCHECK_KEYS - {"disable"}
        problems += [f"{name}: unknown healthcheck key {key!r}" for key in sorted(extra)]
        if "image" not in service and "build" not in service:
            problems.append(f"{name}: neither image nor build")
        for kind, source, _ in _mounts(service):
            if kind == "volume" and source and source not in declared_volumes:
                problems.append(f"{name}: named volume {source!r} is not declared")
    return problems


def test_required_services_are_defined() -> None:
    missing = REQUIRED_SERVICES - set(_services())

    assert not missing, f"compose file lacks services: {sorted(missing)}"


def test_compose_keys_are_known_and_volumes_declared() -> None:
    problems = _schema_problems(_compose())

    assert not problems, "\n".join(problems)


def test_every_service_has_a_healthcheck() -> None:
    problems: list[str] = []
    dependents: dict[str, set[str]] = {}
    for service in _services().values():
        for dependency, spec in (service.get("depends_on") or {}).items():
            dependents.setdefault(dependency, set()).add(spec.get("condition", "service_started"))
    for name, service in _services().items():
        if "healthcheck" not in service:
            problems.append(f"{name}: no healthcheck")
        elif _healthcheck_enabled(service):
            check = service["healthcheck"]
            if not check["test"] or check["test"][0] not in {"CMD", "CMD-SHELL"}:
                problems.append(f"{name}: healthcheck test must start with CMD or CMD-SHELL")
            if "interval" not in check or "retries" not in check:
                problems.append(f"{name}: healthcheck needs an interval and retries")
        elif not _is_job(service):
            # Only a one-shot job (restart: "no") may go without a probe: it exits, and its
            # dependents wait for it to complete instead.
            problems.append(f"{name}: long-running service with its healthcheck disabled")
        elif "service_healthy" in dependents.get(name, set()):
            problems.append(f"{name}: others wait for it to be healthy but it has no probe")

    assert not problems, "\n".join(problems)


def test_dependencies_wait_for_readiness() -> None:
    services = _services()
    problems: list[str] = []
    for name, service in services.items():
        for dependency, spec in (service.get("depends_on") or {}).items():
            condition = spec.get("condition")
            if dependency not in services:
                problems.append(f"{name}: depends on unknown service {dependency!r}")
            elif condition == "service_healthy" and not _healthcheck_enabled(services[dependency]):
                problems.append(f"{name}: waits for {dependency} health, which is never probed")
    worker = services["worker"]["depends_on"]

    assert not problems, "\n".join(problems)
    assert worker["kafka"]["condition"] == "service_healthy"
    assert worker["clickhouse"]["condition"] == "service_healthy"
    assert worker["models"]["condition"] == "service_completed_successfully"
    assert worker["migrate"]["condition"] == "service_completed_successfully"


def test_worker_scales_with_compose_scale() -> None:
    worker = _services()["worker"]

    assert "container_name" not in worker, "a fixed container_name forbids --scale worker=N"
    assert "hostname" not in worker, "replicas would share one hostname"
    assert not worker.get("ports"), "published host ports collide between replicas"
    assert "scale" not in worker and "replicas" not in (worker.get("deploy") or {})


def test_worker_reserves_a_gpu() -> None:
    deploy = _services()["worker"].get("deploy") or {}
    devices = deploy.get("resources", {}).get("reservations", {}).get("devices", [])
    gpus = [d for d in devices if "gpu" in d.get("capabilities", [])]

    assert gpus, "worker has no deploy.resources.reservations.devices entry with gpu capability"
    assert all(d.get("driver") == "nvidia" for d in gpus)
    assert all("count" in d or "device_ids" in d for d in gpus)


def test_app_settings_in_compose_exist_in_settings() -> None:
    problems: list[str] = []
    app_services = {name: s for name, s in _services().items() if "build" in s}
    for name, service in app_services.items():
        for key in _env(service):
            if not key.startswith("SHOPSTREAM_"):
                continue
            model: type[BaseModel] = Settings
            for part in key.removeprefix("SHOPSTREAM_").lower().split("__"):
                field = model.model_fields.get(part)
                if field is None:
                    problems.append(f"{name}: {key} names no setting ({part!r} unknown)")
                    break
                annotation = field.annotation
                if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                    model = annotation
    worker = _env(_services()["worker"])

    assert not problems, "\n".join(problems)
    assert worker["SHOPSTREAM_WEB_BIND"] == "0.0.0.0", "Prometheus cannot scrape a loopback bind"
    assert _default(worker["SHOPSTREAM_DEVICE"]) == "cuda"
    for key in ("KAFKA__BOOTSTRAP", "CLICKHOUSE__URL", "CLICKHOUSE__PASSWORD", "MODEL_DIR"):
        assert f"SHOPSTREAM_{key}" in worker, f"worker does not set SHOPSTREAM_{key}"


def test_mounted_and_built_paths_exist_in_the_repository() -> None:
    problems: list[str] = []
    for name, service in _services().items():
        for kind, source, target in _mounts(service):
            if kind == "bind" and not (COMPOSE_DIR / source).exists():
                problems.append(f"{name}: bind source {source} (for {target}) does not exist")
        build = service.get("build")
        if isinstance(build, dict):
            context = COMPOSE_DIR / build.get("context", ".")
            if not (context / "pyproject.toml").exists():
                problems.append(f"{name}: build context {context} is not the repository root")
            if not (context / build.get("dockerfile", "Dockerfile")).exists():
                problems.append(f"{name}: dockerfile {build.get('dockerfile')} not found")
        for entry in service.get("env_file") or []:
            path, required = (
                (entry["path"], entry.get("required", True))
                if isinstance(entry, dict)
                else (entry, True)
            )
            if required and not (COMPOSE_DIR / path).exists():
                problems.append(f"{name}: required env_file {path} does not exist")

    assert not problems, "\n".join(problems)


def test_prometheus_loads_the_mounted_config_and_rules() -> None:
    prometheus = _services()["prometheus"]
    flags = dict(arg.split("=", 1) for arg in prometheus["command"] if "=" in arg)
    config_path = _host_path(prometheus, flags["--config.file"])

    assert config_path == PROMETHEUS_FILE.resolve()
    config = yaml.safe_load(PROMETHEUS_FILE.read_text())
    for pattern in config["rule_files"]:
        directory = _host_path(prometheus, str(Path(pattern).parent))
        assert directory is not None, f"rule_files {pattern} is not mounted into the container"
        assert list(directory.glob(Path(pattern).name)), f"rule_files {pattern} matches nothing"


def test_grafana_provisions_data_sources_and_dashboards() -> None:
    grafana = _services()["grafana"]
    env = _env(grafana)
    provisioning = _host_path(grafana, "/etc/grafana/provisioning")
    assert provisioning is not None, "provisioning directory is not mounted"
    datasource_files = sorted((provisioning / "datasources").glob("*.yml"))
    provider_files = sorted((provisioning / "dashboards").glob("*.yml"))
    assert datasource_files and provider_files

    for path in provider_files:
        for provider in yaml.safe_load(path.read_text())["providers"]:
            dashboards = _host_path(grafana, provider["options"]["path"])
            assert dashboards is not None, f"{provider['options']['path']} is not mounted"
            assert {"pipeline-health.json", "business.json"} <= {
                p.name for p in dashboards.glob("*.json")
            }
    for path in datasource_files:
        for value in _strings(yaml.safe_load(path.read_text())):
            for variable in re.findall(r"\$\{?(\w+)\}?", value):
                assert variable in env, f"{path.name} reads ${variable}; grafana does not set it"
    plugins = ",".join(
        env.get(key, "")
        for key in ("GF_PLUGINS_PREINSTALL_SYNC", "GF_PLUGINS_PREINSTALL", "GF_INSTALL_PLUGINS")
    )
    assert "grafana-clickhouse-datasource" in plugins


def test_required_variables_are_documented_in_env_example() -> None:
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line
    }
    required = {
        match.group(1)
        for match in _INTERPOLATION.finditer(COMPOSE_FILE.read_text())
        if match.group(2) in {"?", ":?"}
    }

    assert required, "expected the compose file to require its passwords"
    assert required <= documented, f"not in .env.example: {sorted(required - documented)}"


def _dockerfile_stages() -> tuple[dict[str, str], dict[str, tuple[str, list[str]]]]:
    """ARG defaults before the first FROM, and per stage: (base, its RUN commands)."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    args: dict[str, str] = {}
    stages: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "ARG" and current is None and "=" in rest:
            key, value = rest.split("=", 1)
            args[key.strip()] = value.strip()
        elif instruction == "FROM":
            match = re.fullmatch(r"(\S+)(?:\s+AS\s+(\S+))?", rest.strip(), re.IGNORECASE)
            assert match, f"cannot parse FROM {rest}"
            current = match.group(2) or f"stage{len(stages)}"
            stages[current] = (match.group(1), [])
        elif instruction == "RUN" and current is not None:
            stages[current][1].append(rest)
    return args, stages


def test_dockerfile_builds_on_cuda_runtime_with_the_gpu_extra() -> None:
    args, stages = _dockerfile_stages()
    target = _services()["worker"]["build"].get("target", list(stages)[-1])
    chain: list[str] = []
    image = target
    while image in stages:
        chain.append(image)
        image = stages[image][0]
    base = re.sub(r"\$\{?(\w+)\}?", lambda m: args.get(m.group(1), m.group(0)), image)
    installs = [cmd for stage in chain for cmd in stages[stage][1] if "pip install" in cmd]
    compose_arg = _services()["worker"]["build"].get("args", {}).get("CUDA_IMAGE")

    assert CUDA_RUNTIME.match(base), f"worker image is not based on a CUDA runtime image: {base}"
    if compose_arg is not None:
        assert CUDA_RUNTIME.match(_default(compose_arg)), f"compose CUDA_IMAGE: {compose_arg}"
    assert any(re.search(r"\.\[(?:[\w,]*,)?gpu\b", cmd) for cmd in installs), installs
    # onnxruntime and onnxruntime-gpu share a module name and must never both be installed.
    assert not re.search(r"\[(?:[\w,]*,)?cpu\b|onnxruntime(?!-gpu)", " ".join(installs))


def test_compose_file_validates() -> None:
    """Structural validation always; ``docker compose config`` too where Docker works."""
    problems = _schema_problems(_compose())
    if _docker_usable():
        result = subprocess.run(
            [
                "docker",
                "compose",
                "-f",
                str(COMPOSE_FILE),
                "--env-file",
                str(ENV_EXAMPLE),
                "config",
                "-q",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=ROOT,
        )
        if result.returncode != 0:
            problems.append(f"docker compose config failed: {result.stderr.strip()}")

    assert not problems, "\n".join(problems)
