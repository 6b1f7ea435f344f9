"""The mutation check (`make mutants`): break a rule that matters, and see the suite notice.

Each mutation below changes one rule in a scratch copy of the tree (never the work tree),
runs the tests that guard that rule, and restores the file. A mutation is *caught* when
those tests fail; a mutation whose text is no longer in the code is reported as *stale*,
so that a refactor cannot quietly retire a check. The run ends non-zero unless every
mutation is caught. Too slow for CI: run it before resolving an issue that touches these
rules. It honours DATABASE_URL and REDIS_URL (some guards run only on PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = (".venv", "node_modules", "static/dist")  # linked into the copy, not copied


@dataclass(frozen=True)
class Mutation:
    name: str
    path: str
    before: str
    after: str
    tests: tuple[str, ...]


ACCESS_TESTS = ("tests/test_access_matrix.py",)
TENANCY_TESTS = ("tests/cases/test_tenancy.py", "tests/test_isolation.py")
DATE_TESTS = (
    "tests/cases/test_timescales.py",
    "tests/cases/test_deadlines.py",
    "tests/cases/test_api.py",
)

MUTATIONS = (
    Mutation(
        "quorum: two partner agencies suffice (§4.6.1 says three)",
        "rapidreview/quorum.py",
        "quorate=agencies >= MIN_PARTNER_AGENCIES and",
        "quorate=agencies >= MIN_PARTNER_AGENCIES - 1 and",
        ("tests/rapidreview/test_quorum.py",),
    ),
    Mutation(
        "quorum: one Safeguarding Partner suffices (§4.6.1 says two)",
        "rapidreview/quorum.py",
        "len(partners) >= MIN_SAFEGUARDING_PARTNERS,",
        "len(partners) >= 1,",
        ("tests/rapidreview/test_quorum.py",),
    ),
    Mutation(
        "tenancy: for_partnership() forgets the partnership",
        "cases/tenancy.py",
        "return self.filter(**{path: partnership})._mark_scoped()",
        "return self._mark_scoped()",
        TENANCY_TESTS,
    ),
    Mutation(
        "tenancy: an agency user sees every agency's rows",
        "cases/tenancy.py",
        "                agency_path: scope.agency,\n",
        "",
        TENANCY_TESTS,
    ),
    Mutation(
        "tenancy: an agency user sees partnerships the agency does not serve",
        "cases/tenancy.py",
        '                f"{partnership_path}__in": scope.agency.partnerships.all(),\n',
        "",
        TENANCY_TESTS,
    ),
    Mutation(
        "tenancy: no scope reads everything",
        "cases/tenancy.py",
        "        if scope is None:\n            return self.none()._mark_scoped()",
        "        if scope is None:\n            return self._mark_scoped()",
        TENANCY_TESTS,
    ),
    Mutation(
        "tenancy: an unscoped query runs instead of raising",
        "cases/tenancy.py",
        "        if not self._tenant_scoped:\n            raise UnscopedQueryError(",
        "        if False:\n            raise UnscopedQueryError(",
        ("tests/cases/test_tenancy.py",),
    ),
    Mutation(
        "§4.3.3: L&R's requests due in 3 working days, not 2",
        "cases/partnerships.py",
        '"information_request_working_days": 2,',
        '"information_request_working_days": 3,',
        DATE_TESTS + ("tests/cases/test_services_intake.py",),
    ),
    Mutation(
        "§4.4.2: the meeting's latest date rolls forward off a non-working day",
        "cases/timescales.py",
        "        offset=13,\n        unit=Unit.WORKING_DAYS,\n"
        "        direction=Direction.NO_LATER_THAN,",
        "        offset=13,\n        unit=Unit.WORKING_DAYS,\n"
        "        direction=Direction.NOT_BEFORE,",
        DATE_TESTS,
    ),
    Mutation(
        "roles: the Business Office cannot open a case",
        "cases/permissions.py",
        "Action.OPEN_CASE: frozenset({Role.BUSINESS_OFFICE}),",
        "Action.OPEN_CASE: frozenset(),",
        ACCESS_TESTS,
    ),
    Mutation(
        "roles: the CRG chair loses the restricted file",
        "cases/permissions.py",
        "frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.REVIEWER}),",
        "frozenset({Role.BUSINESS_OFFICE, Role.REVIEWER}),",
        ACCESS_TESTS,
    ),
    Mutation(
        "roles: a CRG member reads the access log",
        "cases/permissions.py",
        "Action.VIEW_ACCESS_LOG: frozenset(\n        {Role.BUSINESS_OFFICE, Role.CRG_CHAIR,",
        "Action.VIEW_ACCESS_LOG: frozenset(\n        {Role.CRG_MEMBER, Role.BUSINESS_OFFICE, "
        "Role.CRG_CHAIR,",
        ACCESS_TESTS,
    ),
    Mutation(
        "roles: the Independent Scrutineer sends the Rapid Review papers",
        "cases/permissions.py",
        "Action.SEND_RAPID_REVIEW_PAPERS: frozenset({Role.BUSINESS_OFFICE}),",
        "Action.SEND_RAPID_REVIEW_PAPERS: frozenset("
        "{Role.BUSINESS_OFFICE, Role.INDEPENDENT_SCRUTINEER}),",
        ACCESS_TESTS,
    ),
    Mutation(
        "roles: a reviewer manages information requests",
        "cases/permissions.py",
        "Action.MANAGE_REQUESTS: frozenset({Role.BUSINESS_OFFICE}),",
        "Action.MANAGE_REQUESTS: frozenset({Role.BUSINESS_OFFICE, Role.REVIEWER}),",
        ACCESS_TESTS,
    ),
    Mutation(
        "roles: a panel member records the decision",
        "cases/permissions.py",
        "Action.RECORD_DECISION: frozenset({Role.BUSINESS_OFFICE, Role.CRG_CHAIR}),",
        "Action.RECORD_DECISION: frozenset("
        "{Role.BUSINESS_OFFICE, Role.CRG_CHAIR, Role.PANEL_MEMBER}),",
        ACCESS_TESTS,
    ),
    Mutation(
        "roles: a partnership admin cannot keep the CRG calendar",
        "cases/permissions.py",
        "Action.MANAGE_MEETINGS: frozenset({Role.BUSINESS_OFFICE, Role.PARTNERSHIP_ADMIN}),",
        "Action.MANAGE_MEETINGS: frozenset({Role.BUSINESS_OFFICE}),",
        ACCESS_TESTS,
    ),
    Mutation(
        "roles: an agency user reads the partnership's cases",
        "cases/permissions.py",
        "_PARTNERSHIP_ROLES = frozenset(role for role in Role if role != Role.AGENCY_USER)",
        "_PARTNERSHIP_ROLES = frozenset(Role)",
        ACCESS_TESTS,
    ),
    Mutation(
        "views: the restricted file opens to everyone who reads cases",
        "cases/views/restricted.py",
        "@scope_required(Action.VIEW_RESTRICTED_FILE)\ndef restricted_file(",
        "@scope_required(Action.VIEW_CASES)\ndef restricted_file(",
        ACCESS_TESTS,
    ),
    Mutation(
        "reminders: the uniqueness that makes each reminder once is lost",
        "cases/migrations/0001_initial.py",
        "fields=('deadline', 'due_date', 'recipient', 'kind', 'threshold'), "
        "name='reminder_once_per_deadline_person_threshold'",
        "fields=('id', 'deadline', 'due_date', 'recipient', 'kind', 'threshold'), "
        "name='reminder_once_per_deadline_person_threshold'",
        ("tests/cases/test_reminders.py",),
    ),
    Mutation(
        "reminders: the sender waits for rows another sender holds (no SKIP LOCKED)",
        "cases/services/mail.py",
        'select_for_update(skip_locked=True, of=("self",))',
        'select_for_update(of=("self",))',
        ("tests/cases/test_reminders_locking.py",),
    ),
)

# Rules the issue names that the product does not have yet: listed so the table says so.
NOT_YET_BUILT = ("anonymisation guard's matching (the LCSPR report, issue 15)",)


def scratch_copy() -> Path:
    """A copy of the tracked tree, with the installed tools linked in."""
    target = Path(tempfile.mkdtemp(prefix="lcspr-mutants-"))
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for name in filter(None, tracked):
        source = ROOT / name.decode()
        if source.is_symlink() or not source.is_file():
            continue
        destination = target / name.decode()
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    for name in SHARED:
        if (ROOT / name).exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).symlink_to(ROOT / name)
    (target / "var").mkdir(exist_ok=True)
    return target


def run_tests(tree: Path, tests: tuple[str, ...]) -> int:
    """pytest's exit code; 5 (no test ran) also when every guard was skipped, as the
    PostgreSQL-only ones are on SQLite: a skipped guard proves nothing either way."""
    command = [str(ROOT / ".venv/bin/pytest"), "-x", "-q", "-p", "no:cacheprovider", *tests]
    result = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    if result.returncode == 0 and " passed" not in summary:
        return 5
    return result.returncode


def main() -> int:
    wanted = sys.argv[1:]
    tree = scratch_copy()
    rows = []
    chosen = [m for m in MUTATIONS if not wanted or any(w in m.name for w in wanted)]
    try:
        # A guard that fails unmutated would "catch" every mutation: prove each passes first.
        broken = [
            tests for tests in {m.tests for m in chosen} if run_tests(tree, tests) not in (0, 5)
        ]
        if broken:
            print(f"The unmutated tests fail already: {broken}", file=sys.stderr)
            return 2
        for mutation in chosen:
            target = tree / mutation.path
            original = target.read_text()
            if original.count(mutation.before) != 1:
                rows.append((mutation, "STALE: the text to change is not in the code once"))
                continue
            target.write_text(original.replace(mutation.before, mutation.after))
            try:
                code = run_tests(tree, mutation.tests)
            finally:
                target.write_text(original)
            # pytest: 1 = tests failed; 2-4 = interrupted or unusable, which proves nothing.
            outcome = {
                0: "NOT CAUGHT",
                1: "caught",
                5: "NOT RUN (its guards were skipped: use PostgreSQL)",
            }.get(code, f"ERROR (pytest exit {code})")
            rows.append((mutation, outcome))
            print(f"{outcome:<12} {mutation.name}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    width = max(len(m.name) for m, _ in rows) if rows else 10
    print(f"\n| {'mutation':<{width}} | result |\n| {'-' * width} | ------ |")
    for mutation, outcome in rows:
        print(f"| {mutation.name:<{width}} | {outcome} |")
    for name in NOT_YET_BUILT:
        print(f"| {name:<{width}} | not built yet |")
    caught = sum(outcome == "caught" for _, outcome in rows)
    print(f"\n{caught} of {len(rows)} mutations caught")
    return 0 if caught == len(rows) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    sys.exit(main())
