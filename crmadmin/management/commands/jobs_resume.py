"""Re-enqueue bulk jobs whose worker died (sending changes, or finding a CSV's records): run it
when workers start (scripts/demo, scripts/serve).

A job is stale when its runner has not shown a heartbeat for JOBS_STALE_SECONDS. Enqueueing a job
that is still alive is harmless: the second run sees the fresh heartbeat and backs off.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from crmadmin.jobs import stale_jobs
from crmadmin.tasks import task_for


class Command(BaseCommand):
    help = "Re-enqueue bulk jobs left running by a worker that died."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--stale-after",
            type=float,
            default=None,
            help="Seconds without a heartbeat before a job counts as abandoned "
            "(default: JOBS_STALE_SECONDS).",
        )

        parser.add_argument(
            "--backend", default="default", help="The TASKS backend alias to enqueue on."
        )

    def handle(self, *args, **options) -> None:
        jobs = stale_jobs(stale_seconds=options["stale_after"])
        for job in jobs:
            task_for(job).using(backend=options["backend"]).enqueue(job.pk)
        self.stdout.write(f"Re-enqueued {len(jobs)} bulk job(s).")
