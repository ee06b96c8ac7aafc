"""Two real servers on one database and one Redis database, for the proofs that a request may land
on either instance (test_two_instances.py, test_revocation_live.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from bench.live import Http, LiveServer


def flush_redis(uri: str) -> None:
    import redis

    redis.Redis.from_url(uri).flushdb()


class Pair:
    """Instances A and B (one worker each, the same secrets) on ``database_url`` and the Redis
    database ``redis_uri``, emptied first; ``pick(i)`` alternates."""

    def __init__(self, workdir, database_url: str, redis_uri: str, env: dict | None = None):
        flush_redis(redis_uri)
        self.database_url = database_url
        self.a, self.b = (
            LiveServer(workdir / name, database_url=database_url, redis_uri=redis_uri, env=env) for name in "ab"
        )
        try:
            with ThreadPoolExecutor(2) as pool:  # both start at once: half the wait
                list(pool.map(LiveServer.start, (self.a, self.b)))
        except BaseException:
            for server in (self.a, self.b):
                server.stop()
            raise
        self.http_a, self.http_b = Http(self.a.port), Http(self.b.port)

    def pick(self, index: int) -> Http:
        return self.http_a if index % 2 == 0 else self.http_b

    def stop(self) -> None:
        for http in (self.http_a, self.http_b):
            http.close()
        for server in (self.a, self.b):
            server.stop()

    def sql(self, query: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return conn.execute(query, params).fetchall()
