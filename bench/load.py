"""Load: concurrent clients saving answers and reading reports against one uvicorn worker,
or (``pods=2``) against two service processes on one database, each client on one of them.

Pairs of clients share an assessment, so the version guard is exercised for
real: a client that loses the race re-reads and retries. Afterwards every
assessment's version must equal 1 + the saves that succeeded on it, and its
answers must be those of the last successful save of each question (no lost
update). Memory is the server's RSS after warm-up vs after the run, and at half
time vs the end: growth that stops once caches fill shows as a second-half ratio
near 1.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from bench.api import ORG, QUESTIONS, random_answers
from bench.support import embedded_database
from service.storage.database import Database
from service.storage.embedded import free_loopback_port
from service.storage.repositories import ApiKeyRepository

CREATE = """
mutation($o: ID!) { createAssessment(input: {organizationId: $o, name: "Load",
  frameworkKey: "soc2",
  scope: [SECURITY, AVAILABILITY, PROCESSING_INTEGRITY, CONFIDENTIALITY, PRIVACY],
  auditType: TYPE_2}) { assessment { id version } } }
"""
SAVE = """
mutation($input: SaveAnswersInput!) { saveAnswers(input: $input) {
  assessment { version } errors { code message } } }
"""
VERSION = "query($id: ID!) { assessment(id: $id) { version } }"
SERVE = [sys.executable, "-m", "service.cli", "serve"]
REPORT = """
query($id: ID!) { assessment(id: $id) { version report { readiness
  categories { category score } gaps { kind severity criterion { ref } title } } } }
"""
FINAL = "query($id: ID!) { assessment(id: $id) { version answers { questionKey value } } }"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def rss_after(pid: int, seconds: float) -> int:
    await asyncio.sleep(seconds)
    return rss_kib(pid)


async def post(http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]) -> Any:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise RuntimeError(f"{response.status_code}: {body.get('errors')}")
    return body["data"]


class Stats:
    def __init__(self) -> None:
        self.save: list[float] = []
        self.read: list[float] = []
        self.conflicts = 0
        self.errors: list[str] = []
        # assessment -> [(version after the save, answers it wrote)]
        self.applied: dict[str, list[tuple[int, dict[str, str]]]] = {}


async def client_loop(
    http: httpx.AsyncClient,
    token: str,
    assessment_id: str,
    questions: list[dict[str, Any]],
    *,
    stats: Stats,
    deadline: float,
    seed: int,
) -> None:
    rng = random.Random(seed)
    scored = [q for q in questions if q["role"] != "SCOPING"]
    version = (await post(http, token, VERSION, {"id": assessment_id}))["assessment"]["version"]
    while time.perf_counter() < deadline:
        batch = random_answers(rng.sample(scored, 5), rng)
        started = time.perf_counter()
        try:
            payload = (
                await post(
                    http,
                    token,
                    SAVE,
                    {
                        "input": {
                            "assessmentId": assessment_id,
                            "expectedVersion": version,
                            "answers": batch,
                        }
                    },
                )
            )["saveAnswers"]
            stats.save.append(time.perf_counter() - started)
            if payload["errors"]:
                if payload["errors"][0]["code"] != "VERSION_CONFLICT":
                    stats.errors.append(str(payload["errors"]))
                stats.conflicts += 1
                version = (await post(http, token, VERSION, {"id": assessment_id}))["assessment"][
                    "version"
                ]
                continue
            saved = payload["assessment"]["version"]
            if saved != version:  # a save that changed nothing moves no version
                stats.applied.setdefault(assessment_id, []).append(
                    (saved, {a["questionKey"]: a["value"] for a in batch})
                )
            version = saved
            started = time.perf_counter()
            await post(http, token, REPORT, {"id": assessment_id})
            stats.read.append(time.perf_counter() - started)
        except (httpx.HTTPError, RuntimeError, ValueError) as error:
            stats.errors.append(repr(error)[:200])


async def verify(
    http: httpx.AsyncClient, token: str, base: dict[str, dict[str, str]], stats: Stats
) -> int:
    """Assessments whose final state is not the sum of their successful saves."""
    lost = 0
    for assessment_id, initial in base.items():
        final = (await post(http, token, FINAL, {"id": assessment_id}))["assessment"]
        applied = sorted(stats.applied.get(assessment_id, []))
        expected = dict(initial)
        for _version, answers in applied:
            expected.update(answers)
        got = {a["questionKey"]: a["value"] for a in final["answers"]}
        versions = [v for v, _ in applied]
        if (
            final["version"] != 2 + len(applied)
            or got != expected
            or versions != sorted(set(versions))
        ):
            lost += 1
    return lost


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return 0.0
    return statistics.quantiles(samples, n=100)[int(q) - 1] if len(samples) > 1 else samples[0]


async def run(clients: int = 50, seconds: float = 60.0, pods: int = 1) -> dict[str, float]:
    async with embedded_database() as uri:
        database = Database(uri, "bench_load")
        await database.connect()
        _record, token = await ApiKeyRepository().create(
            name="load", subject="user:load", created_by="bench"
        )
        ports = [free_loopback_port() for _ in range(pods)]
        env = {
            **os.environ,
            "MONGODB_URI": uri,
            "MONGODB_DB": "bench_load",
            "RATE_LIMIT_BURST": "1000000000",
            "RATE_LIMIT_PER_SECOND": "1000000000",
            "LOG_LEVEL": "WARNING",
        }
        servers = [
            subprocess.Popen(
                [*SERVE, "--port", str(port), "--workers", "1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        server = servers[0]
        https: list[httpx.AsyncClient] = []
        try:
            limits = httpx.Limits(max_connections=clients + 5)
            for port in ports:
                https.append(
                    httpx.AsyncClient(
                        base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
                    )
                )
            http = https[0]
            for pod in https:
                for _ in range(300):
                    try:
                        if (await pod.get("/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    await asyncio.sleep(0.1)
            org = (await post(http, token, ORG, {"n": "Load"}))["createOrganization"]
            org_id = org["organization"]["id"]
            shared = max(clients // 2, 1)
            ids = [
                (await post(http, token, CREATE, {"o": org_id}))["createAssessment"]["assessment"][
                    "id"
                ]
                for _ in range(shared)
            ]
            sections = (await post(http, token, QUESTIONS, {"id": ids[0]}))["assessment"]
            questions = [q for s in sections["questionnaire"]["sections"] for q in s["questions"]]
            rng = random.Random(3)
            base: dict[str, dict[str, str]] = {}
            for assessment_id in ids:
                answers = random_answers(questions, rng)
                await post(
                    http,
                    token,
                    SAVE,
                    {
                        "input": {
                            "assessmentId": assessment_id,
                            "expectedVersion": 1,
                            "answers": answers,
                        }
                    },
                )
                base[assessment_id] = {a["questionKey"]: a["value"] for a in answers}
            for assessment_id in ids[:3]:  # warm-up
                await post(http, token, REPORT, {"id": assessment_id})
            rss_start = rss_kib(server.pid)
            stats = Stats()
            started = time.perf_counter()
            deadline = started + seconds
            rss_half = asyncio.create_task(rss_after(server.pid, seconds / 2))
            # Client i talks to pod i % pods: the two clients of an assessment race
            # through different pods when there are two.
            await asyncio.gather(
                *(
                    client_loop(
                        https[i % pods],
                        token,
                        ids[i % shared],
                        questions,
                        stats=stats,
                        deadline=deadline,
                        seed=i,
                    )
                    for i in range(clients)
                )
            )
            elapsed = time.perf_counter() - started
            rss_end = rss_kib(server.pid)
            rss_mid = await rss_half
            lost = await verify(http, token, base, stats)
        finally:
            for pod in https:
                await pod.aclose()
            for process in servers:
                process.terminate()
                process.wait(timeout=30)
            await database.close()
    operations = len(stats.save) + len(stats.read)
    return {
        "pods": pods,
        "clients": clients,
        "seconds": round(elapsed, 1),
        "operations_per_second": round(operations / elapsed, 1),
        "saves": len(stats.save),
        "version_conflicts_retried": stats.conflicts,
        "save_p50_ms": round(percentile(stats.save, 50) * 1000, 1),
        "save_p99_ms": round(percentile(stats.save, 99) * 1000, 1),
        "read_p50_ms": round(percentile(stats.read, 50) * 1000, 1),
        "read_p99_ms": round(percentile(stats.read, 99) * 1000, 1),
        "errors": len(stats.errors),
        "lost_updates": lost,
        "rss_start_mib": round(rss_start / 1024, 1),
        "rss_end_mib": round(rss_end / 1024, 1),
        "rss_growth_ratio": round(rss_end / max(rss_start, 1), 2),
        "rss_mid_mib": round(rss_mid / 1024, 1),
        "rss_second_half_growth_ratio": round(rss_end / max(rss_mid, 1), 2),
    }
