"""The bench's report: targets as data, the table they print, and the exit code they decide.
No stack is started: the sections' results come from tests/bench/results.py."""

from pathlib import Path

import pytest

from bench import report, run
from bench.report import Target
from tests.bench.results import full_results

FULL_RUN = Path(__file__).with_name("full_run.txt")


def smoke_results() -> dict:
    results = full_results()
    results["mode"] = "smoke"
    del results["validation"]
    return results


def checks_of(results: dict, *, smoke: bool) -> list[dict]:
    return report.checks(run.report_parts(run.TARGETS.items(), results), smoke=smoke)


@pytest.mark.parametrize(
    ("target", "text", "passes"),
    [
        (Target("ratio", 0.24, ">=", 0.20, decimals=2), ">= 0.20", True),
        (Target("ratio", 0.2, ">=", 0.20, decimals=2), ">= 0.20", True),
        (Target("ratio", 0.19, ">=", 0.5), ">= 0.5", False),
        (Target("p99", 100, "<=", 100), "<= 100", True),
        (Target("p99", 100.1, "<=", 100), "<= 100", False),
        (Target("increase", 0.2, "<=", 0.20, decimals=2), "<= 0.20", True),
        (Target("exact", True, "==", True), "== True", True),
        (Target("exact", False, "==", True), "== True", False),
        (Target("lost", 0, "==", 0, measured=False), "== 0", False),
        (Target("raw once", 0, "==", 0), "== 0", True),
    ],
)
def test_target_text_and_verdict(target, text, passes):
    assert target.text == text
    assert target.passes() is passes


def test_checks_gate_everything_in_a_full_run_and_correctness_in_the_smoke_run():
    targets = [Target("speed", 2, "<=", 1), Target("lost", 3, "==", 0, gates_smoke=True)]
    full = report.checks(targets, smoke=False)
    smoke = report.checks(targets, smoke=True)
    assert full == [
        {"check": "speed", "value": 2, "target": "<= 1", "pass": False, "gate": True},
        {"check": "lost", "value": 3, "target": "== 0", "pass": False, "gate": True},
    ]
    assert [check["gate"] for check in smoke] == [False, True]


def test_exit_code_is_one_only_when_a_gating_check_fails():
    speed = Target("speed", 2, "<=", 1)
    lost = Target("lost", 0, "==", 0, gates_smoke=True)
    assert report.exit_code(report.checks([speed, lost], smoke=True)) == 0
    assert report.exit_code(report.checks([speed, lost], smoke=False)) == 1
    missed = Target("lost", 3, "==", 0, gates_smoke=True)
    assert report.exit_code(report.checks([speed, missed], smoke=True)) == 1


def test_exact_targets_gate_the_smoke_run():
    assert report.exact("lost", 0, 0) == Target("lost", 0, "==", 0, gates_smoke=True)
    assert not report.exact("lost", 0, 0, measured=False).passes()


def test_table_lines():
    checks = report.checks(
        [
            Target("batch ingest vs raw COPY", 0.24, ">=", 0.20, decimals=2),
            Target("batch ingest p99 (ms)", 120.7, "<=", 100),
            Target("batch ingest lost events", 2, "==", 0, gates_smoke=True),
        ],
        smoke=True,
    )
    assert report.table_lines(checks) == [
        "check                                     value  target     result",
        "batch ingest vs raw COPY                   0.24  >= 0.20    PASS",
        "batch ingest p99 (ms)                     120.7  <= 100     fail (not gated)",
        "batch ingest lost events                      2  == 0       FAIL",
    ]


def test_full_run_report_text(capsys):
    results = full_results()
    results["checks"] = checks_of(results, smoke=False)
    lines = run.report_parts(run.LINES, results)
    report.report_print(results, section_lines=lines, output=run.RESULTS)
    assert capsys.readouterr().out == FULL_RUN.read_text()


def test_smoke_run_fails_on_correctness_only():
    results = smoke_results()
    results["errorIngest"]["1000"]["deadlocks"] = 0
    checks = checks_of(results, smoke=True)
    assert [check["check"] for check in checks if not check["pass"]] == [
        "batch ingest p99 (ms)",
        "errors x1 processed / raw",
        "errors x1 p99 (ms)",
        "purge: ingest p99 increase",
    ]
    assert report.exit_code(checks) == 0
    results["batchIngest"]["eventsLost"] = 1
    assert report.exit_code(checks_of(results, smoke=True)) == 1


def test_a_run_that_measured_nothing_fails():
    results = smoke_results()
    results["errorIngest"]["1000"]["deadlocks"] = 0
    results["batchIngest"]["eventsStored"] = 0
    results["scaleOut"]["rollup"] |= {"rawEvents": 0, "rolledUpEvents": 0}
    results["metrics"]["loadedEventsInWindow"] = 0
    failed = [check for check in checks_of(results, smoke=True) if check["gate"]]
    failed = [check["check"] for check in failed if not check["pass"]]
    assert failed == [
        "batch ingest lost events",
        "roll-ups (2 workers) count raw once",
        "metrics answer counts every event",
    ]


@pytest.mark.parametrize(
    ("argv", "deadlocks", "written", "code"),
    [
        (["--smoke"], 0, "results.json", 0),
        (["--smoke"], 1, "results.json", 1),
        (["--smoke", "--only", "errors"], 1, "results-partial.json", 1),
        ([], 0, "results.json", 1),
    ],
)
def test_command_exit_code_and_results_file(
    monkeypatch, tmp_path, capsys, argv, deadlocks, written, code
):
    results = smoke_results()
    results["errorIngest"]["1000"]["deadlocks"] = deadlocks
    monkeypatch.setattr("sys.argv", ["bench.run", *argv])
    monkeypatch.setattr(run, "ensure_services", lambda: None)
    monkeypatch.setattr(run, "sections_run", lambda sections, *, smoke: results)
    monkeypatch.setattr(run, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(run, "PARTIAL_RESULTS", tmp_path / "results-partial.json")
    monkeypatch.setattr(report, "ROOT", tmp_path)
    assert run.main() == code
    assert (tmp_path / written).exists()
    assert capsys.readouterr().out.endswith(f"\nwritten to {written}\n")
