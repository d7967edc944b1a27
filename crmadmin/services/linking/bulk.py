"""Link many (contact, deal, role) pairs: one PUT per contact and ≤100 deals, one result per
pair in input order. `crmadmin.jobs` runs a bulk link as a job, one call of this at a time."""

from __future__ import annotations

from crmadmin import problems
from crmadmin.services.linking import MAX_DEALS, ContactRef, Pair, PairResult, link_rows
from updater.client import ZohoClient
from updater.errors import (
    ApiError,
    NonJsonResponseError,
    RateLimitError,
    ServerError,
    TransportError,
    ZohoError,
)

# Faults that say nothing about the pairs: the caller waits and sends the same call again, which
# is safe because linking a pair that is already linked only sets its role again.
TRANSIENT = (RateLimitError, ServerError, TransportError, NonJsonResponseError)


def pairs_link_call(
    *, client: ZohoClient, contact_field: str, deal_field: str, pairs: list[Pair]
) -> tuple[list[PairResult], ZohoError | None]:
    """One call for ≤100 pairs of one contact: a result per pair in input order. A contact- or
    row-level failure stays with its pairs; an error that must stop the whole run (auth, scope)
    is returned too, its pairs marked not sent. Transient faults (`TRANSIENT`) are raised."""
    if len(pairs) > MAX_DEALS or len({pair.contact for pair in pairs}) != 1:
        raise ValueError(f"One contact and at most {MAX_DEALS} deals per call")
    contact = ContactRef(value=pairs[0].contact, field=contact_field)
    outcome: dict[int, PairResult] = {}
    stopped = _chunk_link(client, contact, deal_field, pairs, outcome)
    return [outcome[id(pair)] for pair in pairs], stopped


def not_sent(pair: Pair, error: ZohoError) -> PairResult:
    """A pair left unsent because an earlier call stopped the run."""
    return PairResult(pair, False, "NOT_SENT", problems.not_sent_text(error))


def _chunk_link(
    client: ZohoClient,
    contact: ContactRef,
    deal_field: str,
    chunk: list[Pair],
    outcome: dict[int, PairResult],
) -> ZohoError | None:
    rows = [(pair.deal, pair.role_id) for pair in chunk]
    try:
        results = link_rows(client=client, contact=contact, deal_field=deal_field, rows=rows)
    except TRANSIENT:
        raise
    except ZohoError as error:
        return _chunk_failed(error, contact, deal_field, chunk, outcome)
    for result in results:
        pair = chunk[result.index]
        message = (
            problems.LINK_TEXTS["linked"]
            if result.ok
            else problems.row_text(result, deal_field=deal_field, external_id=pair.deal)
        )
        outcome[id(pair)] = PairResult(pair, result.ok, result.code, message, result.deal_id)
    return None


def _chunk_failed(
    error: ZohoError,
    contact: ContactRef,
    deal_field: str,
    chunk: list[Pair],
    outcome: dict[int, PairResult],
) -> ZohoError | None:
    """Mark the chunk's pairs; return the error when it must stop the whole run."""
    place = problems.error_place(error=error, contact=contact, deal_field=deal_field)
    if place.target == "top":
        for pair in chunk:
            outcome[id(pair)] = PairResult(pair, False, _code(error), problems.not_sent_text(error))
        return error
    for position, pair in enumerate(chunk):
        message = problems.error_text(
            error=error, place=place, contact=contact, deal_field=deal_field, external_id=pair.deal
        )
        if place.target == "row" and place.index != position:
            line = chunk[place.index or 0].line
            message = problems.stopped_by_line_text(line)
        outcome[id(pair)] = PairResult(pair, False, _code(error), message)
    return None


def _code(error: ZohoError) -> str:
    return error.code if isinstance(error, ApiError) else getattr(error, "kind", "ERROR")
