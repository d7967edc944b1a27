"""Task functions of Django's Tasks API (the `django-tasks` backport; `django.tasks` on Django 6).

Each takes ids, loads what it needs and is safe to run again after a crash: `jobs.job_run` records
what it has done before it does the next thing; `planning.plan_run` only reads until it stores
the whole plan at once.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from crmadmin import jobs, planning
from crmadmin.models import BulkJob


@task()
def bulk_job_run(job_id: int) -> str:
    """Run or resume one bulk job; returns the status it ended in."""
    return jobs.job_run(job_id=job_id)


@task()
def job_plan(job_id: int) -> str:
    """Find the records of a bulk edit (a CSV's, or those chosen on the record list) and move
    it to its preview (or say why not)."""
    return planning.plan_run(job_id=job_id)


# Its name before record-list jobs used it too: a task queued under it still runs.
csv_job_plan = job_plan


def task_for(job: BulkJob) -> Any:
    """The task that resumes a job: finding its records, or sending its changes."""
    return job_plan if job.status == BulkJob.Status.FINDING else bulk_job_run
