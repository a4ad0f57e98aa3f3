"""The full-mode HTML report in a real headless Chromium (system /usr/bin/chromium, driven by playwright, which
never downloads a browser): it renders from a file:// URL with no script errors, its charts have a size, Arabic
quotes read right to left inside English pages, and markup inside an article stays text. The screenshot lands
in tests/artifacts/eval-report.png."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_eval_full import fake_settings  # tests/ is on sys.path (rootdir, no package)
from test_ui_browser import ARTIFACTS

from assistant.backends.fake import FakeLLM
from eval.cli import eval_command
from tests.helpers import CHROMIUM, LAUNCH_ARGS

pytestmark = pytest.mark.integration

EN_CTX = "The ministers met in Geneva on Tuesday. Talks on the constitutional committee went on for six hours."
AR_CTX = (
    "استقبل الرئيس الأسد المبعوث الروسي ألكسندر لافرينتييف في دمشق، وبحث معه الوضع في إدلب. "
    '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
)
AR_ANSWER = "استقبل الرئيس الأسد المبعوث الروسي في دمشق [1]."


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("eval-report")
    data = {
        "version": "1.1",
        "data": [
            {
                "title": "Talks",
                "paragraphs": [
                    {
                        "context": EN_CTX,
                        "qas": [
                            {
                                "id": "e1",
                                "question": "Where did the ministers meet?",
                                "answers": [{"text": "Geneva", "answer_start": EN_CTX.index("Geneva")}],
                            }
                        ],
                    },
                    {
                        "context": AR_CTX,
                        "qas": [
                            {
                                "id": "a1",
                                "question": "من هو المبعوث الروسي الذي استقبله الأسد؟",
                                "answers": [{"text": "ألكسندر لافرينتييف", "answer_start": AR_CTX.index("ألكسندر")}],
                            }
                        ],
                    },
                ],
            }
        ],
    }
    dataset = tmp / "talks.json"
    dataset.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    # A wrong abstention on the English question, and an Arabic answer without the gold name.
    llm = FakeLLM().enqueue("NOT_IN_ARTICLES", AR_ANSWER)
    out = tmp / "out"
    assert eval_command(dataset, None, "full", None, out, fake_settings(), llm=llm, calibration=False) == 0
    return out


def test_report_renders_in_chromium_with_rtl_quotes_and_inert_article_markup(report_dir):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    cited = [c for q in report["per_question"] for c in q["citations"]]
    assert cited and all(c["valid"] for c in cited)

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((report_dir / "report.html").as_uri())
            page.wait_for_load_state("load")
            assert page.evaluate("() => window.__pwned") is None, "article markup ran in the report"
            assert page.locator("img[src=x]").count() == 0
            sizes = page.eval_on_selector_all("svg", "els => els.map(e => e.getBoundingClientRect().width)")
            assert len(sizes) >= 5 and all(w > 100 for w in sizes), sizes
            marks = page.locator("mark")
            quotes = [marks.nth(i).text_content() for i in range(marks.count())]
            assert [c["quote"] for c in cited][0] in quotes
            ar_mark = next(i for i, q in enumerate(quotes) if "دمشق" in q)
            direction = page.eval_on_selector_all(
                "mark", "(ms, i) => getComputedStyle(ms[i].closest('[dir=auto]')).direction", ar_mark
            )
            assert direction == "rtl"
            body = page.text_content("body")
            assert "abstained on an answerable question" in body and "<script>window.__pwned=1</script>" in body
            assert page.eval_on_selector("body", "b => getComputedStyle(b).direction") == "ltr"
            page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
