"""Task functions of Django's Tasks API (the `django-tasks` backport; `django.tasks` on Django 6).

Each takes ids, loads what it needs and is safe to run again after a crash: `jobs.job_run` records
what it has done before it does the next thing.
"""

from __future__ import annotations

from django_tasks import task

from crmadmin import jobs


@task()
def bulk_job_run(job_id: int) -> str:
    """Run or resume one bulk job; returns the status it ended in."""
    return jobs.job_run(job_id=job_id)
