"""Alert rules and dashboards name only metrics the code exports, and are well-formed.

A metric renamed in ``streams/metrics.py`` silently empties a panel and mutes an alert;
these tests turn that into a failure that names the rule or panel and the unknown series.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.metrics import exported_names
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
RULES_FILE = MONITORING / "rules" / "shopstream.rules.yml"
RULE_TESTS_FILE = MONITORING / "tests" / "shopstream.rules.test.yml"
PROMETHEUS_FILE = MONITORING / "prometheus.yml"
DASHBOARD_DIR = MONITORING / "grafana" / "dashboards"
DATASOURCES_DIR = MONITORING / "grafana" / "provisioning" / "datasources"

# Tables of DESIGN.md's ClickHouse contract that dashboards may read.
CLICKHOUSE_TABLES = {
    "review_sentiment",
    "sentiment_alerts",
    "sentiment_minute",
    "generated_content",
}

_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_METRIC = re.compile(r"(?<![\w:])shopstream_\w+")
_DURATION = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w|y))+$")
_SEVERITIES = {"critical", "warning", "info"}
_RULE_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}


def promql_metric_names(expr: str) -> set[str]:
    """Every ``shopstream_*`` identifier in a PromQL expression, string literals excluded."""
    return set(_METRIC.findall(_STRING_LITERAL.sub('""', expr)))


def _balanced(expr: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for char in _STRING_LITERAL.sub('""', expr):
        if char in "([{":
            stack.append(char)
        elif char in pairs and (not stack or stack.pop() != pairs[char]):
            return False
    return not stack


@cache
def _load_rules() -> dict[str, Any]:
    loaded = yaml.safe_load(RULES_FILE.read_text())
    assert isinstance(loaded, dict), f"{RULES_FILE} is not a mapping"
    return loaded


@cache
def _prometheus_config() -> dict[str, Any]:
    loaded = yaml.safe_load(PROMETHEUS_FILE.read_text())
    assert isinstance(loaded, dict), f"{PROMETHEUS_FILE} is not a mapping"
    return loaded


def _rules() -> list[dict[str, Any]]:
    return [rule for group in _load_rules()["groups"] for rule in group["rules"]]


@cache
def _dashboards() -> dict[str, dict[str, Any]]:
    return {
        path.name: json.loads(path.read_text()) for path in sorted(DASHBOARD_DIR.glob("*.json"))
    }


def _panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows keep their panels inside


def _prometheus_queries(name: str, board: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every Prometheus panel target and query variable."""
    for panel in _panels(board):
        for target in panel.get("targets", []):
            if "expr" in target:
                yield f"{name} / {panel['title']} / {target['refId']}", target["expr"]
    for variable in board.get("templating", {}).get("list", []):
        if variable.get("datasource", {}).get("type") == "prometheus":
            query = variable["query"]
            yield (
                f"{name} / variable {variable['name']}",
                (query["query"] if isinstance(query, dict) else query),
            )


@cache
def _datasource_uids() -> dict[str, str]:
    uids: dict[str, str] = {}
    for path in sorted(DATASOURCES_DIR.glob("*.yml")):
        for source in yaml.safe_load(path.read_text())["datasources"]:
            uids[source["uid"]] = source["type"]
    return uids


def _unknown_metrics(queries: Iterator[tuple[str, str]]) -> tuple[set[str], dict[str, list[str]]]:
    known = exported_names()
    seen: set[str] = set()
    unknown: dict[str, list[str]] = {}
    for where, expr in queries:
        names = promql_metric_names(expr)
        seen |= names
        missing = sorted(names - known)
        if missing:
            unknown[where] = missing
    return seen, unknown


def _report(unknown: dict[str, list[str]]) -> str:
    lines = [f"  {where}: {', '.join(names)}" for where, names in unknown.items()]
    return "metrics not exported by streams.metrics:\n" + "\n".join(lines)


def test_promql_metric_names_skips_strings_and_labels() -> None:
    expr = (
        'sum by (topic) (rate(shopstream_events_in_total{job="shopstream_worker", '
        "sink=~'shopstream_x'}[5m])) / on (topic) shopstream_consumer_lag"
    )

    assert promql_metric_names(expr) == {"shopstream_events_in_total", "shopstream_consumer_lag"}


def test_rules_name_only_exported_metrics() -> None:
    queries = ((rule["alert"], rule["expr"]) for rule in _rules())

    seen, unknown = _unknown_metrics(queries)

    assert not unknown, _report(unknown)
    assert len(seen) >= 8, f"suspiciously few metrics found in the rules: {sorted(seen)}"


def test_dashboards_name_only_exported_metrics() -> None:
    boards = _dashboards()
    queries = (q for name, board in boards.items() for q in _prometheus_queries(name, board))

    seen, unknown = _unknown_metrics(queries)

    assert not unknown, _report(unknown)
    assert len(seen) >= 10, f"suspiciously few metrics found in the dashboards: {sorted(seen)}"


def test_rules_file_structure() -> None:
    document = _load_rules()
    problems: list[str] = []
    groups = document.get("groups")
    assert isinstance(groups, list) and groups, "rules file needs a non-empty `groups` list"
    group_names = [group.get("name") for group in groups]
    if len(set(group_names)) != len(group_names):
        problems.append(f"group names not unique: {group_names}")
    alerts: list[str] = []
    for group in groups:
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            problems.append(f"group {group.get('name')!r} has no rules")
            continue
        for rule in rules:
            name = rule.get("alert")
            alerts.append(str(name))
            where = f"{group.get('name')}/{name}"
            if not isinstance(name, str) or not re.fullmatch(r"[A-Z][A-Za-z0-9]+", name):
                problems.append(f"{where}: `alert` must be a CamelCase name")
            if extra := set(rule) - _RULE_KEYS:
                problems.append(f"{where}: unexpected keys {sorted(extra)}")
            expr = rule.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                problems.append(f"{where}: `expr` missing")
            elif not _balanced(expr):
                problems.append(f"{where}: unbalanced brackets in `expr`")
            if not _DURATION.fullmatch(str(rule.get("for", ""))):
                problems.append(f"{where}: `for` must be a Prometheus duration")
            severity = (rule.get("labels") or {}).get("severity")
            if severity not in _SEVERITIES:
                problems.append(f"{where}: labels.severity must be one of {sorted(_SEVERITIES)}")
            annotations = rule.get("annotations") or {}
            for key in ("summary", "description"):
                text = annotations.get(key)
                if not isinstance(text, str) or not text.strip():
                    problems.append(f"{where}: annotations.{key} missing")
                elif text.count("{{") != text.count("}}"):
                    problems.append(f"{where}: annotations.{key} has unbalanced templates")
    if len(set(alerts)) != len(alerts):
        problems.append("alert names are not unique")

    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("concern", "pattern"),
    [
        ("worker down", r'\bup\{job="shopstream-worker"\} == 0'),
        ("consumer lag growing", r"deriv\(.*shopstream_consumer_lag"),
        ("dead-letter rate", r"rate\(shopstream_dead_letters_total"),
        ("error rate", r"rate\(shopstream_errors_total"),
        ("model latency p99", r"histogram_quantile\(0\.99,\s*.*shopstream_model_latency_seconds"),
        ("ClickHouse sink failures", r"shopstream_sink_failures_total\{sink=~\"[^\"]*clickhouse"),
        ("critical sentiment alerts", r'shopstream_sentiment_alerts_total\{severity="critical"\}'),
    ],
)
def test_rules_cover_required_concern(concern: str, pattern: str) -> None:
    matching = [rule["alert"] for rule in _rules() if re.search(pattern, rule["expr"], re.DOTALL)]

    assert matching, f"no alert rule covers {concern} (expr matching {pattern!r})"


def test_rules_jobs_are_scraped() -> None:
    config = _prometheus_config()
    jobs = {job["job_name"] for job in config["scrape_configs"]}
    named = {job for rule in _rules() for job in re.findall(r'job="([^"]+)"', rule["expr"])}

    assert named, "rules never name the worker scrape job"
    assert named <= jobs, f"rules name jobs that prometheus.yml does not scrape: {named - jobs}"


def test_prometheus_scrapes_worker_metrics_port() -> None:
    config = _prometheus_config()
    worker = next(j for j in config["scrape_configs"] if j["job_name"] == "shopstream-worker")
    ports = {sd["port"] for sd in worker.get("dns_sd_configs", [])}
    ports |= {
        int(t.rsplit(":", 1)[1]) for sc in worker.get("static_configs", []) for t in sc["targets"]
    }

    assert worker.get("metrics_path", "/metrics") == "/metrics"
    assert ports == {Settings.model_fields["web_port"].default}


def test_dashboards_are_well_formed() -> None:
    boards = _dashboards()
    uids = _datasource_uids()
    problems: list[str] = []
    assert {"pipeline-health.json", "business.json"} <= set(boards)
    board_uids = [board.get("uid") for board in boards.values()]
    if len(set(board_uids)) != len(board_uids) or None in board_uids:
        problems.append(f"dashboard uids missing or not unique: {board_uids}")
    for name, board in boards.items():
        if not board.get("title"):
            problems.append(f"{name}: no title")
        ids = [panel["id"] for panel in _panels(board)]
        if len(set(ids)) != len(ids):
            problems.append(f"{name}: panel ids not unique")
        for panel in _panels(board):
            where = f"{name} / {panel.get('title')}"
            grid = panel.get("gridPos", {})
            if grid.get("x", 0) + grid.get("w", 0) > 24:
                problems.append(f"{where}: wider than the 24-column grid")
            if panel["type"] == "row":
                continue
            datasource = panel.get("datasource", {})
            if uids.get(datasource.get("uid")) != datasource.get("type"):
                problems.append(f"{where}: data source {datasource} is not provisioned")
            targets = panel.get("targets", [])
            if not targets:
                problems.append(f"{where}: no queries")
            ref_ids = [target.get("refId") for target in targets]
            if len(set(ref_ids)) != len(ref_ids) or None in ref_ids:
                problems.append(f"{where}: refIds missing or not unique")
            for target in targets:
                ds = target.get("datasource", datasource)
                if uids.get(ds.get("uid")) != ds.get("type"):
                    problems.append(f"{where}: target data source {ds} is not provisioned")
                if ds.get("type") == "prometheus" and not _balanced(target.get("expr", "")):
                    problems.append(f"{where}: unbalanced brackets in {target.get('expr')!r}")
    for variable in (v for b in boards.values() for v in b["templating"]["list"]):
        ds = variable.get("datasource", {})
        if uids.get(ds.get("uid")) != ds.get("type"):
            problems.append(f"variable {variable.get('name')}: data source {ds} not provisioned")

    assert not problems, "\n".join(problems)


def test_clickhouse_queries_use_the_v4_plugin_model_and_known_tables() -> None:
    problems: list[str] = []
    tables: set[str] = set()
    for name, board in _dashboards().items():
        targets = [(p["title"], t) for p in _panels(board) for t in p.get("targets", [])]
        targets += [(v["name"], v["query"]) for v in board["templating"]["list"]]
        for title, target in targets:
            if not isinstance(target, dict) or "rawSql" not in target:
                continue
            where = f"{name} / {title}"
            sql = target["rawSql"]
            tables |= set(re.findall(r"\bshopstream\.(\w+)", sql))
            if "$__timeFilter(" not in sql:
                problems.append(f"{where}: query is not limited to the dashboard time range")
            if "queryType" in target and target["queryType"] not in {"sql", "table", "timeSeries"}:
                problems.append(f"{where}: unknown queryType {target['queryType']!r}")
            if "format" in target:
                # A target without pluginVersion >= 4 is migrated as a v3 query on load.
                expected = {"timeSeries": 0, "table": 1}.get(target["queryType"])
                if target["format"] != expected or target.get("editorType") != "sql":
                    problems.append(f"{where}: format/editorType do not match queryType")
                if int(str(target.get("pluginVersion", "0")).split(".")[0]) < 4:
                    problems.append(f"{where}: pluginVersion must be 4.x or later")

    assert tables, "no ClickHouse query found in the dashboards"
    assert tables <= CLICKHOUSE_TABLES, f"unknown tables: {sorted(tables - CLICKHOUSE_TABLES)}"
    assert not problems, "\n".join(problems)


def test_every_alert_has_a_firing_case_and_promtool_agrees() -> None:
    """Each alert fires in monitoring/tests; ``promtool test rules`` runs where installed."""
    cases = yaml.safe_load(RULE_TESTS_FILE.read_text())
    rule_files = {(RULE_TESTS_FILE.parent / f).resolve() for f in cases["rule_files"]}
    firing = {
        check["alertname"]
        for test in cases["tests"]
        for check in test.get("alert_rule_test", [])
        if check.get("exp_alerts")
    }
    untested = {rule["alert"] for rule in _rules()} - firing
    problems = [f"no case in {RULE_TESTS_FILE.name} makes {name} fire" for name in sorted(untested)]
    if rule_files != {RULES_FILE.resolve()}:
        problems.append(f"{RULE_TESTS_FILE.name} does not load {RULES_FILE.name}")
    promtool = shutil.which("promtool")
    if promtool is not None:
        for args in (["check", "rules", str(RULES_FILE)], ["test", "rules", str(RULE_TESTS_FILE)]):
            result = subprocess.run(
                [promtool, *args], capture_output=True, text=True, timeout=120, check=False
            )
            if result.returncode != 0:
                problems.append(f"promtool {' '.join(args[:2])}:\n{result.stdout}{result.stderr}")

    assert not problems, "\n".join(problems)


UNBOUNDED_LABELS = {"product_id", "conversation_id", "event_id", "review_id", "customer_id"}


def test_no_metric_is_labelled_by_an_entity_id() -> None:
    """Per-entity values belong in ClickHouse; a label per product or conversation would not
    scale to a real catalogue (one time series per id)."""
    from streams.metrics import REGISTRY

    labelled = {
        metric.name: set(sample.labels)
        for metric in REGISTRY.collect()
        for sample in metric.samples
    }
    offending = {name: labels & UNBOUNDED_LABELS for name, labels in labelled.items()}
    assert not {name: labels for name, labels in offending.items() if labels}
    # Label names also declared on metrics that have not been observed yet.
    declared = re.findall(r"\[([^\]]*)\],\s*\n\s*registry=REGISTRY", _metrics_source())
    assert declared, "no labelled metric found in streams/metrics.py"
    assert not any(
        label.strip("\"' ") in UNBOUNDED_LABELS for d in declared for label in d.split(",")
    )


def _metrics_source() -> str:
    import streams.metrics

    return Path(streams.metrics.__file__).read_text()
