"""`make scan`'s verdict on pip-audit's JSON report (python -m tests.proof.audit_gate REPORT [EXIT_CODE]).

- any known vulnerability in requirements.txt (with its dependencies): fail;
- pip-audit could not reach its vulnerability database (no report, a timeout, or every package
  "not found on PyPI" because the index reached is a mirror without PyPI's JSON API): nothing was
  audited, which is said loudly; it fails only with PIP_AUDIT_STRICT=1, so that a machine without
  that service can still run the rest of CI;
- otherwise: pass, naming how many packages were audited.
"""

from __future__ import annotations

import json
import os
import sys


def verdict(report: dict | None, exit_code: int) -> tuple[int, str]:
    strict = os.environ.get("PIP_AUDIT_STRICT") == "1"
    if report is None:
        reason = "timed out" if exit_code == 124 else f"exited {exit_code} without a report"
        return (1 if strict else 0), f"pip-audit NOT RUN: {reason} (vulnerability database unreachable?)"
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    if vulnerable:
        lines = [f"  {d['name']} {d['version']}: {_ids(d['vulns'])}" for d in vulnerable]
        return 1, "pip-audit: known vulnerabilities:\n" + "\n".join(lines)
    audited = [d for d in dependencies if "skip_reason" not in d]
    skipped = [d for d in dependencies if "skip_reason" in d]
    if not audited:
        reason = skipped[0]["skip_reason"] if skipped else "no packages"
        return (1 if strict else 0), (
            f"pip-audit NOT AUDITED: all {len(skipped)} packages skipped ({reason}): the vulnerability"
            " database is unreachable from here; PIP_AUDIT_STRICT=1 makes this fail"
        )
    note = f"; {len(skipped)} skipped: " + ", ".join(d["name"] for d in skipped) if skipped else ""
    return 0, f"pip-audit: no known vulnerabilities in {len(audited)} packages{note}"


def _ids(vulns: list[dict]) -> str:
    return ", ".join(f"{v['id']} (fixed in {', '.join(v.get('fix_versions') or ['?'])})" for v in vulns)


def main(argv: list[str]) -> int:
    exit_code = int(argv[2]) if len(argv) > 2 else 0
    try:
        with open(argv[1]) as handle:
            report = json.load(handle)
    except (OSError, ValueError, IndexError):
        report = None
    code, message = verdict(report, exit_code)
    print(message)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
