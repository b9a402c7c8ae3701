"""The compliance console, end to end: real ClickHouse rows, the real server, headless Chromium.

Playwright drives Debian's chromium (its own browser download cannot work on these machines).
Screenshots go to ``--console-screenshots DIR`` when given (the README's pictures), to the
test's temporary directory otherwise.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from streams.audit.query import COLUMNS
from streams.clickhouse.client import make_client
from streams.settings import Settings, child_environment
from streams.tooling.stack.process import wait_until
from tests.integration.helpers import query

pytestmark = [pytest.mark.integration, pytest.mark.clickhouse]

PORT = 16091
TOKEN = "console-test-token"
NOW = datetime.now(UTC).replace(microsecond=0)
SHA = "ab" * 32


def _row(i: int, **changes: Any) -> dict[str, Any]:
    reply = i % 2 == 0
    row: dict[str, Any] = {
        "id": f"out-{i}",
        "task": "reply" if reply else "description",
        "source_topic": "shop.chat.messages" if reply else "shop.products.updates",
        "source_partition": i % 4,
        "source_offset": 100 + i,
        "event_id": f"ev-{i}",
        "event_time": NOW - timedelta(minutes=30 + i),
        "product_id": f"sku-{i}",
        "conversation_id": f"conv-{i}" if reply else "",
        "intent": ("product_question" if i % 4 == 0 else "order_status") if reply else "",
        "prompt_template": "reply" if reply else "description",
        "prompt_template_version": "2",
        "prompt": f"<facts>max load: 150 kg</facts>\nCustomer: question {i}",
        "output": f"Model text {i}",
        "published": f"Published text {i}",
        "model_name": "qwen2.5-0.5b" if i < 4 else "smollm2-135m",
        "model_version": "1",
        "model_sha256": SHA,
        "generation_params": json.dumps({"max_new_tokens": 80}),
        "verdict": "accepted",
        "fallback": 0,
        "reasons": [],
        "pii_types": [],
        "prompt_tokens": 200 + i,
        "completion_tokens": 30 + i,
        "latency_ms": 900.0 + 100 * i,
        "created_at": NOW - timedelta(minutes=20 + i),
    }
    row.update(changes)
    return row


ROWS = [
    _row(
        0,
        prompt="Customer: card [CARD] exp [CARD_EXPIRY] cvv [CVV]; is the chair OK for 140 kg?",
        pii_types=["card", "card_expiry", "cvv"],
    ),
    _row(1, reasons=["removed:material:cotton"], published="A TPE yoga mat, 6 mm thick."),
    _row(2, verdict="rejected", fallback=1, reasons=["invented_number:20"]),
    _row(3, verdict="rejected", fallback=1, reasons=["unsupported:health:ear health"]),
    _row(4, pii_types=["phone"], prompt="Customer: call me on [PHONE]"),
    _row(5),
]


@pytest.fixture
def seeded(settings: Settings) -> None:
    client = make_client(settings.clickhouse)
    try:
        insert = f"INSERT INTO generated_content ({', '.join(COLUMNS)}) VALUES"
        client.execute(insert, [tuple(row[c] for c in COLUMNS) for row in ROWS])
    finally:
        client.disconnect()
    assert query(settings, "SELECT count() FROM generated_content FINAL")[0][0] == len(ROWS)


@pytest.fixture
def console(settings: Settings, seeded: None, tmp_path: Path) -> Iterator[str]:
    env = {
        **child_environment(settings, os.environ),
        "SHOPSTREAM_CONSOLE__PORT": str(PORT),
        "SHOPSTREAM_CONSOLE__TOKEN": TOKEN,
    }
    env.pop("SHOPSTREAM_CONSOLE", None)  # the nested variables above set the console section
    log = (tmp_path / "console.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streams", "console"], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{PORT}"
    try:
        wait_until(lambda: _answers(url), timeout_s=60, what="console")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def _answers(url: str) -> bool:
    try:
        urllib.request.urlopen(f"{url}/api/options", timeout=2)
    except urllib.error.HTTPError as exc:
        return exc.code == 401
    except OSError:
        return False
    return True


@pytest.fixture
def shots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    chosen = request.config.getoption("console_screenshots")
    path = Path(chosen) if chosen else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _rows(page: Page) -> list[str]:
    return [str(row.get_attribute("data-id")) for row in page.locator("#rows tr").all()]


def _apply(page: Page, **selects: str) -> list[str]:
    for name, value in selects.items():
        page.select_option(f"select[name={name}]", value)
    page.click("#apply")
    page.wait_for_function(
        "document.getElementById('status').textContent.includes('generated texts')"
    )
    return _rows(page)


def test_api_needs_the_token(console: str) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{console}/api/content", timeout=5)
    assert refused.value.code == 401
    request = urllib.request.Request(
        f"{console}/api/content?task=description", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        rows = json.loads(answer.read())["rows"]
    assert sorted(r["id"] for r in rows) == ["out-1", "out-3", "out-5"]


def test_console_filters_details_exports_and_reports(
    console: str, shots: Path, tmp_path: Path
) -> None:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing (compose/local/setup.sh installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 860}, accept_downloads=True)
            page.goto(f"{console}/?token={TOKEN}")
            page.wait_for_function("document.querySelectorAll('#rows tr').length === 6")
            assert _rows(page) == [f"out-{i}" for i in range(6)]  # newest first
            assert "token" not in page.url
            page.screenshot(path=str(shots / "console-content.png"))

            assert _apply(page, task="reply") == ["out-0", "out-2", "out-4"]
            assert _apply(page, task="", reason_kind="removed:material") == ["out-1"]
            assert _apply(page, reason_kind="", verdict="rejected") == ["out-2", "out-3"]
            assert _apply(page, verdict="", pii="cvv") == ["out-0"]
            assert _apply(page, pii="", intent="order_status") == ["out-2"]
            assert _apply(page, intent="", model="smollm2-135m@1") == ["out-4", "out-5"]
            assert _apply(page, model="") == [f"out-{i}" for i in range(6)]

            page.click("#rows tr[data-id='out-0']")
            page.wait_for_selector("#detail-prompt")
            prompt = page.text_content("#detail-prompt") or ""
            assert "[CVV]" in prompt and "[CARD]" in prompt
            assert SHA in (page.text_content("#detail") or "")
            assert page.text_content("#detail-published") == "Published text 0"
            page.screenshot(path=str(shots / "console-detail.png"))
            page.click("#rows tr[data-id='out-3']")
            page.wait_for_function(
                "document.getElementById('detail-reasons').textContent.includes('health')"
            )

            _apply(page, task="description")
            with page.expect_download() as download:
                page.click("#export")
            saved = tmp_path / "export.csv"
            download.value.save_as(saved)
            exported = list(csv.DictReader(io.StringIO(saved.read_text())))
            assert [r["id"] for r in exported] == ["out-1", "out-3", "out-5"]
            assert tuple(exported[0]) == COLUMNS

            _apply(page, task="")
            page.click("#tab-report")
            page.wait_for_function("document.querySelectorAll('#report-rows tr').length > 0")
            cells = [
                [cell.text_content() or "" for cell in row.locator("td").all()]
                for row in page.locator("#report-rows tr").all()
            ]
            by_task_model = {(c[1], c[2]): c for c in cells}
            reply_qwen = by_task_model[("reply", "qwen2.5-0.5b@1")]
            assert reply_qwen[3:8] == ["2", "1", "1", "1", "1"]  # total .. with PII
            assert "invented_number 1" in reply_qwen[9]
            page.screenshot(path=str(shots / "console-report.png"))
        finally:
            browser.close()
