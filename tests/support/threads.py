"""Real threads released together, for the races of the concurrency tests."""

from __future__ import annotations

import threading


def race(*calls, start_timeout: float = 10, join_timeout: float = 60) -> list:
    """Start every call at the same moment; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait(start_timeout)
        try:
            results[index] = call()
        except Exception as error:  # collected and asserted on by the test
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(join_timeout)
    return results
