"""The bench's targets as data, and the report: each section's lines, then the table of
targets with pass/fail, and the exit code they decide."""

import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.stack import ROOT

COMPARISONS = {"<=": operator.le, ">=": operator.ge, "==": operator.eq}


@dataclass(frozen=True)
class Target:
    """One target: the measured `figure` must compare (`<=`, `>=` or `==`) with `limit`.

    `gates_smoke` marks the correctness targets, which decide the smoke run's exit code too
    (3 seconds on a busy CI box says nothing about speed). `decimals` writes the limit with
    that many decimals (0.20). `measured` is False when the run had nothing to compare (no
    event stored, none rolled up): such a target fails whatever its figure.
    """

    name: str
    figure: Any
    comparison: str
    limit: Any
    gates_smoke: bool = False
    decimals: int | None = None
    measured: bool = True

    @property
    def text(self) -> str:
        """Return the target as the table writes it, such as `>= 0.20`."""
        limit = str(self.limit) if self.decimals is None else f"{self.limit:.{self.decimals}f}"
        return f"{self.comparison} {limit}"

    def passes(self) -> bool:
        """Return whether the figure meets the target."""
        return self.measured and COMPARISONS[self.comparison](self.figure, self.limit)


def exact(name: str, figure: Any, expected: Any, *, measured: bool = True) -> Target:
    """Return a correctness target: the figure must equal `expected`, in the smoke run too."""
    return Target(name, figure, "==", expected, gates_smoke=True, measured=measured)


def checks(targets: list[Target], *, smoke: bool) -> list[dict]:
    """Return each target with its figure and whether it passes, as results.json keeps them.

    `gate` marks the checks that decide the exit code: all of them in a full run, only the
    correctness ones in the smoke run.
    """
    return [
        {
            "check": target.name,
            "value": target.figure,
            "target": target.text,
            "pass": target.passes(),
            "gate": target.gates_smoke or not smoke,
        }
        for target in targets
    ]


def exit_code(checks: list[dict]) -> int:
    """Return 1 when a gating check failed, else 0."""
    return 1 if any(not check["pass"] and check["gate"] for check in checks) else 0


def table_lines(checks: list[dict]) -> list[str]:
    """Return the table of checks: name, figure, target and PASS, FAIL or fail (not gated)."""
    lines = [f"{'check':34} {'value':>12}  {'target':10} result"]
    for check in checks:
        verdict = "PASS" if check["pass"] else ("FAIL" if check["gate"] else "fail (not gated)")
        lines.append(f"{check['check']:34} {check['value']!s:>12}  {check['target']:10} {verdict}")
    return lines


def report_print(results: dict, *, section_lines: list[str], output: Path) -> None:
    """Print the run's heading, the sections' lines, the table of checks and where the results
    were written."""
    print()
    print(
        f"== bench ({results['mode']}, sections {', '.join(results['sections'])}), "
        f"{results['cpuCount']} cores, load average at start {results['loadAverageAtStart']:.2f}"
    )
    for line in section_lines:
        print(line)
    print()
    for line in table_lines(results["checks"]):
        print(line)
    print(f"\nwritten to {output.relative_to(ROOT)}")


def spread_text(run: dict) -> str:
    """Return the fastest and slowest client's mean latency of a load run, as a line."""
    spread = run["clientMeanMs"]
    return f"mean latency per client: {spread['fastest']} to {spread['slowest']} ms"


def cpu_text(cpu: dict) -> str:
    """Return CPU milliseconds by process group as `web 3.1, postgres 1.2`."""
    return ", ".join(f"{group} {ms}" for group, ms in cpu.items())
