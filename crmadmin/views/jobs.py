"""Bulk jobs: choose the change, preview it, start it, watch it, cancel, retry, download results.

Starting a job needs the module granted (`permissions.connection_for`) and the separate Django
permission `crmadmin.run_bulk_job` (given through groups). A job is visible to its owner and to
managers. The job page polls its `job-progress` partial every 2 s with htmx while the job runs;
without JavaScript a reload shows the same numbers.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRefresh

from crmadmin import jobs, planning
from crmadmin.forms.bulk import BulkChangeForm, MappingForm, UploadForm, table_read
from crmadmin.forms.records.loading import time_zone_for
from crmadmin.forms.records.types import FormContext
from crmadmin.models import BulkJob, BulkUpload, Connection
from crmadmin.permissions import connection_for, is_manager
from crmadmin.planning import UPLOAD_GONE
from crmadmin.problems import problem_for
from crmadmin.services import browse
from crmadmin.services.linking import CONTACTS, DEALS
from crmadmin.tasks import bulk_job_run, job_plan, task_for
from crmadmin.views.records import typed_names_resolve
from crmadmin.zoho import client_for, metadata_options
from updater.errors import ZohoError

PREVIEW_SAMPLE = 10
PROBLEMS_SHOWN = 200  # on the page; the results CSV has every row


def _may_run(request: HttpRequest, connection_id: int, module: str) -> Connection:
    if not request.user.has_perm("crmadmin.run_bulk_job"):
        raise PermissionDenied(
            "Running bulk jobs needs the “Can run bulk jobs” permission. "
            "Ask a crmadmin administrator to add it to your group."
        )
    return connection_for(request, connection_id, module)


def _may_run_again(request: HttpRequest, job: BulkJob) -> None:
    """Retry and Resume ask what starting the job asked: a link job (started from the link
    page) needs Contacts and Deals granted; a bulk edit its module and the bulk permission."""
    if job.kind == BulkJob.Kind.LINK:
        connection_for(request, job.connection_id, CONTACTS)
        connection_for(request, job.connection_id, DEALS)
    else:
        _may_run(request, job.connection_id, job.module)


def _visible_job(request: HttpRequest, job_id: int) -> BulkJob:
    return get_object_or_404(jobs.jobs_visible(request.user), pk=job_id)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_new(request: HttpRequest, connection_id: int, module: str) -> HttpResponse:
    """The change form for the chosen records (`ids`, or `all` with the list's `list_query`).
    A valid change becomes a job whose records a task reads; the job page shows the reading,
    then the preview. Only the form's own lookups (typed names) are read in the request."""
    connection = _may_run(request, connection_id, module)
    source = request.POST if request.method == "POST" else request.GET
    record_ids = [value for value in source.getlist("ids") if value.strip()][:200]
    every = source.get("all") == "1"
    context: dict[str, Any] = {
        "connection": connection,
        "module": module,
        "nav": "jobs",
        "record_ids": record_ids,
        "every": every,
        "list_query": source.get("list_query", ""),
    }
    client = client_for(connection)
    try:
        meta = browse.module_meta(
            client=client, options=metadata_options(connection), module=module
        )
        form_context = _form_context(connection, client)
    except ZohoError as error:
        return render(
            request,
            "crmadmin/bulk_new.html",
            {**context, "problem": problem_for(error)},
            status=502,
        )
    if meta.module is None:
        raise Http404(f"“{module}” is not a module crmadmin can edit through this connection.")
    fields = jobs.bulk_fields(meta.fields)
    data = request.POST if request.method == "POST" else None
    form = BulkChangeForm(data, fields=fields, context=form_context)
    context.update(form=form, meta=meta)
    if not record_ids and not every:
        context["no_selection"] = True
        return render(request, "crmadmin/bulk_new.html", context, status=422 if data else 200)
    if data is None:
        return render(request, "crmadmin/bulk_new.html", context)
    typed_names_resolve(request, connection, client, form)  # typed without the picker
    if not form.is_valid():
        return render(request, "crmadmin/bulk_new.html", context, status=422)
    # The records are read by a task (`crmadmin.planning`): up to 250 pages of a search are
    # minutes against Zoho, far past a web request's deadline. The job page shows the reading.
    job = jobs.list_job_create(
        connection=connection,
        module=module,
        user=request.user,
        changes=form.changes(),
        trigger=form.trigger(),
        plan_input=planning.list_plan_input(
            record_ids=record_ids, every=every, list_query=context["list_query"]
        ),
    )
    job_plan.enqueue(job.pk)
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_upload(request: HttpRequest, connection_id: int, module: str) -> HttpResponse:
    """Step 1 of a bulk edit from a CSV: upload or paste it; it is decoded and kept once."""
    connection = _may_run(request, connection_id, module)
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"connection": connection, "module": module, "nav": "jobs", "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "crmadmin/bulk_upload.html", context, status=422)
        data = form.cleaned_data
        upload = jobs.upload_keep(
            connection=connection,
            module=module,
            user=request.user,
            file_name=data["file_name"],
            encoding=data["encoding"],
            text=data["text"],
        )
        return redirect("jobs:upload_map", upload_id=upload.pk)
    return render(request, "crmadmin/bulk_upload.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def bulk_upload_map(request: HttpRequest, upload_id: int) -> HttpResponse:
    """Step 2: map each column to a field (or to what identifies the record). The records are
    found in the background (`crmadmin.planning`): the job page shows the search going on, then
    the preview, every cell cleaned by its field's edit-form field."""
    upload = get_object_or_404(BulkUpload, pk=upload_id, user=request.user)
    connection = _may_run(request, upload.connection_id, upload.module)
    if planned := BulkJob.objects.filter(upload=upload).first():
        return redirect("jobs:detail", job_id=planned.pk)  # mapped already: its job
    module = upload.module
    header, lines = table_read(upload.text)
    context: dict[str, Any] = {
        "connection": connection,
        "module": module,
        "nav": "jobs",
        "upload": upload,
        "row_count": len(lines),
    }
    try:
        meta = browse.module_meta(
            client=client_for(connection), options=metadata_options(connection), module=module
        )
    except ZohoError as error:
        context["problem"] = problem_for(error)
        return render(request, "crmadmin/bulk_upload_map.html", context, status=502)
    fields = jobs.bulk_fields(meta.fields)
    key_fields = [item for item in meta.fields if item.unique or item.external]
    form = MappingForm(request.POST or None, header=header, fields=fields, key_fields=key_fields)
    context.update(form=form, meta=meta)
    if request.method != "POST":
        return render(request, "crmadmin/bulk_upload_map.html", context)
    if not form.is_valid():
        return render(request, "crmadmin/bulk_upload_map.html", context, status=422)
    data = form.cleaned_data
    job, created = jobs.csv_job_create(
        upload=upload,
        user=request.user,
        changes=form.changes(),
        trigger=form.trigger(),
        plan_input=planning.plan_input_for(
            key_column=data["key_column"],
            key_field=data["key_field"],
            key_label=form.key_label,
            mapped=data["mapped"],
        ),
        lines=len(lines),
    )
    if created:
        job_plan.enqueue(job.pk)
    return redirect("jobs:detail", job_id=job.pk)


def _form_context(connection: Connection, client: Any) -> FormContext:
    return FormContext(connection_id=connection.pk, time_zone=time_zone_for(connection, client))


@login_required
@require_GET
def job_list(request: HttpRequest) -> HttpResponse:
    visible = jobs.jobs_visible(request.user).exclude(status=BulkJob.Status.PREVIEW)[:100]
    return render(request, "crmadmin/job_list.html", {"jobs": visible, "nav": "jobs"})


@login_required
@require_GET
@vary_on_headers("HX-Request")
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _visible_job(request, job_id)
    context = {
        "job": job,
        "progress": jobs.progress(job),
        "nav": "jobs",
        "may_manage": job.user_id == request.user.pk or is_manager(request.user),
    }
    if job.status == BulkJob.Status.PREVIEW:
        pending = context["progress"].counts.get("pending", 0)
        context["calls"] = -(-pending // 100)
        context["sample"] = jobs.preview_sample(job, size=PREVIEW_SAMPLE)
        context["refused"] = job.records.filter(state="skipped")[:PROBLEMS_SHOWN]
    elif job.kind == BulkJob.Kind.LINK and job.total <= PROBLEMS_SHOWN:
        # A small link job shows every pair with its result, as the link page always did.
        context["problems"] = job.records.exclude(state="pending")
    else:
        hidden = ["succeeded", "pending"]
        if job.kind == BulkJob.Kind.EDIT:
            hidden.append("skipped")  # listed in the preview already
        context["problems"] = job.records.exclude(state__in=hidden)[:PROBLEMS_SHOWN]
    template = "crmadmin/job_detail.html"
    if request.htmx and request.htmx.target == "job-progress":
        if job.status == BulkJob.Status.PREVIEW:
            # The records were found while the page polled: the preview is a page of its own.
            return HttpResponseClientRefresh()
        template += "#job-progress"
    return render(request, template, context)


def _managed_job(request: HttpRequest, job_id: int) -> BulkJob:
    job = _visible_job(request, job_id)
    if job.user_id != request.user.pk and not is_manager(request.user):
        raise PermissionDenied("Only the person who started this job, or staff, may change it.")
    return job


@login_required
@require_POST
def job_start(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _managed_job(request, job_id)
    _may_run(request, job.connection_id, job.module)
    if jobs.job_start(job=job):
        bulk_job_run.enqueue(job.pk)
        messages.success(request, f"Started: {job.total} records, 100 per call to Zoho.")
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _managed_job(request, job_id)
    jobs.job_cancel(job=job)
    if job.plan_input:
        messages.info(request, "Cancelled before its records were found: nothing was sent.")
    else:
        messages.info(request, "Cancelling: the job stops after the batch it is sending now.")
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _managed_job(request, job_id)
    _may_run_again(request, job)
    if job.is_active:
        messages.error(request, "The job is still running; retry its failed records when it ends.")
    elif count := jobs.job_retry_failed(job=job):
        bulk_job_run.enqueue(job.pk)
        messages.success(request, f"Sending the {count} failed records again.")
    else:
        messages.info(request, "No failed records to retry.")
    return redirect("jobs:detail", job_id=job.pk)


@login_required
@require_POST
def job_resume(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _managed_job(request, job_id)
    _may_run_again(request, job)
    if job.plan_failed:
        if jobs.plan_retry(job=job):
            job_plan.enqueue(job.pk)
            messages.success(request, _finding_again(job))
        else:
            messages.error(request, f"{UPLOAD_GONE.title}. {UPLOAD_GONE.next_step}")
    elif jobs.job_resumable(job=job):
        task_for(job).enqueue(job.pk)
        messages.success(
            request,
            _finding_again(job)
            if job.is_finding
            else "Resuming: records that were being sent are checked first.",
        )
    else:
        messages.info(request, "The job is running; nothing to resume.")
    return redirect("jobs:detail", job_id=job.pk)


def _finding_again(job: BulkJob) -> str:
    if "mapped" in job.plan_input:
        return "Finding the records again, from the first line."
    return "Reading the records again, from the first."


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
@require_GET
def job_results(request: HttpRequest, job_id: int) -> StreamingHttpResponse:
    job = _visible_job(request, job_id)
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in jobs.results_rows(job)), content_type="text/csv"
    )
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-results.csv"'
    return response
