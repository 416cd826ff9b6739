"""Questions the hotfix commands ask the operator on the terminal."""

import sys


def confirm_on_stdin(out):
    """Return a confirm(question) that asks on `out` and reads y/N from standard input.

    End of input (cron, a closed pipe) counts as "no", so nothing runs unattended by accident.
    """

    def confirm(question: str) -> bool:
        out.write(f"{question} [y/N] ", ending="")
        out.flush()
        answer = sys.stdin.readline()
        if not sys.stdin.isatty():
            out.write(answer.strip())
        return answer.strip().lower() in {"y", "yes"}

    return confirm
