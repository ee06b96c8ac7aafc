"""The bank checker: after a workload, compare what the clients were told with what the server holds.

- every operation got an answer in the end (unknowns were retried with their key until answered);
- every acknowledged operation (201 posted, 422 declined) is in its account's history exactly once,
  and nothing else is (a retried key that moved money twice would show up as an extra entry);
- replays returned the original status and body with ``Idempotent-Replayed: true``;
- each history's running balance is consistent and never negative; the account's balance is the
  sum of the acknowledged postings, and the sum over all customer accounts equals acknowledged
  deposits minus acknowledged withdrawals;
- `flask verify` passes (ledger sums to zero, entries balanced, balances match, audit chain intact).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench.live import Http, LiveServer
from tests.proof.bank import API, Bank, Op, Workload, crash_loop, open_bank


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def summary(self) -> str:
        lines = [f"{name}={value}" for name, value in self.stats.items()]
        lines += [f"PROBLEM: {p}" for p in self.problems[:50]]
        return "\n".join(lines)


def history(http: Http, token: str, account_id: int) -> list[dict]:
    """Every history item of the account, following the keyset cursor."""
    items, cursor = [], None
    for _ in range(100_000):
        query = "limit=200" + (f"&cursor={cursor}" if cursor else "")
        reply = http.call("GET", f"{API}/accounts/{account_id}/transactions?{query}", token=token)
        if reply.status != 200:
            raise AssertionError(f"history of {account_id}: {reply.status} {reply.body}")
        items += reply.body["items"]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("history pagination did not end")


def check(server: LiveServer, bank: Bank, openings: list[Op], workload: Workload) -> Report:
    report = Report()
    ops = openings + workload.ops
    report.problems += [f"anomaly: {a}" for a in workload.anomalies]
    report.problems += [f"negative balance observed: {n}" for n in workload.negatives]
    unknown = [op.key for op in ops if op.status is None]
    if unknown:
        report.problem(f"{len(unknown)} operations never answered, e.g. {unknown[:3]}")
    expected, declined = _expected(ops, bank, report)
    http = Http(server.port)
    total = 0
    for account_id in bank.account_ids:
        token = bank.token_for(account_id)
        items = history(http, token, account_id)
        final = _check_history(account_id, items, expected[account_id], declined[account_id], report)
        balance = http.call("GET", f"{API}/accounts/{account_id}", token=token).body["balance_cents"]
        acknowledged = sum(expected[account_id].values())
        if balance != final or balance != acknowledged:
            report.problem(f"account {account_id}: balance {balance}, history {final}, acknowledged {acknowledged}")
        total += balance
    http.close()
    posted = [op for op in ops if op.status == 201]
    net_cash = sum(op.amount for op in posted if op.kind == "deposit") - sum(
        op.amount for op in posted if op.kind == "withdrawal"
    )
    if total != net_cash:
        report.problem(f"customer balances total {total} != acknowledged deposits - withdrawals {net_cash}")
    verify = server.flask("verify")
    if verify.returncode != 0:
        report.problem(f"flask verify failed ({verify.returncode}):\n{verify.stdout}{verify.stderr}")
    report.stats.update(
        operations=len(ops),
        posted=len(posted),
        declined=sum(op.declined for op in ops),
        retried_keys=sum(op.sends > 1 for op in ops),
        replays_checked=sum(op.replays_checked for op in ops),
        unanswered_sends=sum(op.unanswered for op in ops),
        answered_by_replay_after_no_answer=sum(op.first_answer_replayed for op in ops),
        concurrent_duplicates=workload.duplicates,
        balance_reads=workload.reads,
        customer_total_cents=total,
        verify="pass" if verify.returncode == 0 else "FAIL",
    )
    return report


def _expected(ops: list[Op], bank: Bank, report: Report):
    """Per account: {entry id: signed amount} of acknowledged postings, and the declined entry ids."""
    expected: dict[int, dict[int, int]] = defaultdict(dict)
    declined: dict[int, set[int]] = defaultdict(set)
    owners = Counter(op.entry_id for op in ops if op.entry_id is not None)
    for entry_id, keys in owners.items():
        if keys > 1:
            report.problem(f"entry {entry_id} was answered to {keys} different keys")
    for op in ops:
        if op.status == 201:
            sign = 1 if op.kind == "deposit" else -1
            expected[op.account_id][op.entry_id] = sign * op.amount
            if op.target_id is not None:
                expected[op.target_id][op.entry_id] = op.amount
        elif op.declined:
            declined[op.account_id].add(op.entry_id)
    return expected, declined


def _check_history(account_id: int, items: list[dict], expected: dict[int, int], declined: set[int], report: Report):
    """Exactly-once against the acknowledgements; the running balance; returns the last balance."""
    posted = [i for i in items if i["status"] == "posted"]
    counts = Counter(i["entry_id"] for i in items)
    for entry_id, count in counts.items():
        if count > 1:
            report.problem(f"account {account_id}: entry {entry_id} listed {count} times")
    seen = {i["entry_id"]: i["amount_cents"] for i in posted}
    missing = set(expected) - set(seen)
    extra = set(seen) - set(expected)
    if missing:
        report.problem(f"account {account_id}: acknowledged entries missing: {sorted(missing)[:10]}")
    if extra:
        report.problem(f"account {account_id}: entries nobody was told about: {sorted(extra)[:10]}")
    wrong = [e for e in set(seen) & set(expected) if seen[e] != expected[e]]
    if wrong:
        report.problem(f"account {account_id}: amounts differ for entries {sorted(wrong)[:10]}")
    shown_declined = {i["entry_id"] for i in items if i["status"] == "declined"}
    if shown_declined != declined:
        report.problem(
            f"account {account_id}: declined entries differ: missing {sorted(declined - shown_declined)[:5]},"
            f" extra {sorted(shown_declined - declined)[:5]}"
        )
    running = 0
    for item in sorted(posted, key=lambda i: i["entry_id"]):
        running += item["amount_cents"]
        if item["balance_after_cents"] != running or running < 0:
            shown = item["balance_after_cents"]
            report.problem(f"account {account_id}: entry {item['entry_id']} balance_after {shown} != {running}")
            break
    return running


def run_bank(
    workdir,
    *,
    workers: int = 1,
    redis_uri: str | None = None,
    clients: int = 8,
    seconds: float = 4.0,
    kills: int = 0,
    seed: int = 1,
    customers: int = 4,
    accounts_each: int = 2,
    database_url: str | None = None,
) -> Report:
    """Start a server, open the bank, run the workload (with ``kills`` crashes), resolve, check.
    ``database_url``: a PostgreSQL database instead of a SQLite file in ``workdir``."""
    server = LiveServer(workdir, workers=workers, redis_uri=redis_uri, database_url=database_url)
    server.start()
    try:
        worker_pids = server.worker_pids()
        http = Http(server.port)
        bank, openings = open_bank(http, customers, accounts_each)
        http.close()
        workload = Workload(server, bank, clients=clients, seconds=seconds, seed=seed)
        events: list[str] = []
        workload.run(crash_loop(server, kills, seconds / (kills + 1), events) if kills else None)
        if server.proc.poll() is not None:
            server.start()
        workload.resolve()
        report = check(server, bank, openings, workload)
        report.stats.update(
            workers=len(worker_pids), kills=len(events), server_kills=events.count("server"), starts=server.starts
        )
        return report
    finally:
        server.stop()
