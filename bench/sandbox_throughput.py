"""Requests per second of GET record and PUT record against a sandbox on loopback.

Usage: .venv/bin/python bench/sandbox_throughput.py [--requests 500] [--threads 4]
Starts its own seeded sandbox in a temp dir, runs a bounded number of requests, prints, exits.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import pathlib
import sys
import tempfile
import time

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from sandbox.testing import running_sandbox


def _worker(url: str, token: str, method: str, ids: list[str], count: int) -> int:
    session = requests.Session()
    session.headers["Authorization"] = f"Zoho-oauthtoken {token}"
    ok = 0
    for n in range(count):
        record_id = ids[n % len(ids)]
        if method == "GET":
            response = session.get(f"{url}/crm/v8/Contacts/{record_id}", timeout=10)
        else:
            response = session.put(
                f"{url}/crm/v8/Contacts/{record_id}",
                timeout=10,
                json={"data": [{"Title": f"Bench {n}"}]},
            )
        ok += response.status_code == 200
    return ok


def measure(
    url: str, token: str, method: str, ids: list[str], total: int, threads: int
) -> tuple[float, int]:
    per_thread = max(1, total // threads)
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        futures = [
            pool.submit(_worker, url, token, method, ids[i::threads] or ids, per_thread)
            for i in range(threads)
        ]
        ok = sum(f.result() for f in futures)
    elapsed = time.perf_counter() - start
    return per_thread * threads / elapsed, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--records", type=int, default=5000)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_sandbox(
            db_path=pathlib.Path(tmp) / "bench.sqlite3", records=args.records
        ) as sandbox,
    ):
        token = sandbox.issue_tokens()["access_token"]
        listed = requests.get(
            f"{sandbox.url}/crm/v8/Contacts",
            timeout=10,
            params={"fields": "id", "per_page": 200},
            headers={"Authorization": f"Zoho-oauthtoken {token}"},
        ).json()
        ids = [r["id"] for r in listed["data"][10:]]
        print(
            f"sandbox: {args.records} records, {args.threads} client threads, "
            f"{args.requests} requests per measurement"
        )
        for method in ("GET", "PUT"):
            for threads in (1, args.threads):
                rate, ok = measure(sandbox.url, token, method, ids, args.requests, threads)
                print(f"{method} record  threads={threads}: {rate:7.1f} req/s  ({ok} ok)")


if __name__ == "__main__":
    main()
