"""The suite's own rules (tests/conftest.py), run on small throwaway test files with pytester: a skip, an
``importorskip`` of a missing module, a module-level skip and an xfail each fail and name their reason; a test
marked ``integration`` or ``model`` is left out of the fast tier (``-m "not slow"``)."""

from __future__ import annotations

import pytest

CONFTEST = (
    "from tests.conftest import pytest_collection_modifyitems, pytest_make_collect_report, pytest_runtest_makereport\n"
)
MARKERS = "[pytest]\nmarkers =\n    slow: s\n    model: m\n    integration: i\n"


@pytest.fixture
def suite(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makeini(MARKERS)
    return pytester


@pytest.mark.parametrize(
    "body,reason",
    [
        ("import pytest\ndef test_a():\n    pytest.skip('Chromium is not installed')\n", "Chromium is not installed"),
        (
            "import pytest\n@pytest.fixture\ndef f():\n    pytest.skip('no model')\ndef test_a(f):\n    pass\n",
            "no model",
        ),
        (
            "import pytest\n@pytest.mark.skipif(True, reason='feature missing')\ndef test_a():\n    pass\n",
            "feature missing",
        ),
        ("import pytest\ndef test_a():\n    pytest.importorskip('no_such_module_here')\n", "no_such_module_here"),
        ("import pytest\n@pytest.mark.xfail(reason='known bug')\ndef test_a():\n    assert False\n", "known bug"),
    ],
)
def test_a_test_that_does_not_run_fails_naming_why(suite, body, reason):
    suite.makepyfile(test_x=body)
    result = suite.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) + outcomes.get("errors", 0) == 1 and "skipped" not in outcomes, outcomes
    result.stdout.fnmatch_lines([f"*did not run*{reason}*"])


def test_a_module_that_skips_itself_fails(suite):
    suite.makepyfile(
        test_x="import pytest\npytest.skip('no shared data', allow_module_level=True)\ndef test_a():\n    pass\n"
    )
    result = suite.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0 and "skipped" not in result.parseoutcomes()
    result.stdout.fnmatch_lines(["*was not collected*no shared data*"])


def test_a_passing_test_still_passes(suite):
    suite.makepyfile(test_x="def test_a():\n    assert 1 + 1 == 2\n")
    suite.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_integration_and_model_tests_are_slow_and_out_of_the_fast_tier(suite):
    suite.makepyfile(
        test_x="import pytest\n"
        "def test_fast():\n    pass\n"
        "@pytest.mark.integration\ndef test_real_store():\n    pass\n"
        "@pytest.mark.model\ndef test_real_model():\n    pass\n"
        "@pytest.mark.slow\ndef test_fork_heavy():\n    pass\n"
    )
    result = suite.runpytest("-p", "no:cacheprovider", "-m", "not slow", "-v")
    result.assert_outcomes(passed=1, deselected=3)
    result.stdout.fnmatch_lines(["*test_fast PASSED*"])
