"""The Prometheus config the integration test runs: project rules, holds removed only."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from streams.tooling.stack.prometheus import (
    RULES_FILE,
    WORKER_JOB,
    PrometheusServer,
    rules_without_hold,
)


def _rules(text: str) -> list[dict[str, object]]:
    return [rule for group in yaml.safe_load(text)["groups"] for rule in group["rules"]]


def test_rules_without_hold_keep_every_expression_and_zero_every_hold() -> None:
    original = _rules(RULES_FILE.read_text())
    relaxed = _rules(rules_without_hold(RULES_FILE.read_text()))
    assert [r["alert"] for r in relaxed] == [r["alert"] for r in original]
    assert [r["expr"] for r in relaxed] == [r["expr"] for r in original]
    assert any(r.get("for") not in (None, "0s", "0m") for r in original)
    assert all(r.get("for") in (None, "0s") for r in relaxed)


def test_config_scrapes_the_targets_under_the_rules_job_name(tmp_path: Path) -> None:
    server = PrometheusServer(
        home=tmp_path, state=tmp_path / "state", port=1, targets=["127.0.0.1:6066"]
    )
    config = json.loads(server.write_config().read_text())
    (job,) = config["scrape_configs"]
    assert job["job_name"] == WORKER_JOB
    assert job["static_configs"] == [{"targets": ["127.0.0.1:6066"]}]
    (rules_path,) = config["rule_files"]
    assert Path(rules_path).read_text() == RULES_FILE.read_text()
