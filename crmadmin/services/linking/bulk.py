"""Link many (contact, deal, role) pairs: one PUT per contact and ≤100 deals, one result per
pair in input order."""

from __future__ import annotations

from crmadmin import problems
from crmadmin.services.linking import MAX_DEALS, ContactRef, Pair, PairResult, link_rows
from updater.client import ZohoClient
from updater.errors import ApiError, ZohoError


def pairs_link(
    *, client: ZohoClient, contact_field: str, deal_field: str, pairs: list[Pair]
) -> list[PairResult]:
    """A contact- or row-level failure stays with its call; anything else (auth, scope,
    network) stops the run and marks the rest as not sent."""
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(pair.contact, []).append(pair)
    outcome: dict[int, PairResult] = {}
    stopped: ZohoError | None = None
    for contact_value, group in groups.items():
        contact = ContactRef(value=contact_value, field=contact_field)
        for start in range(0, len(group), MAX_DEALS):
            chunk = group[start : start + MAX_DEALS]
            if stopped is None:
                stopped = _chunk_link(client, contact, deal_field, chunk, outcome)
            else:
                for pair in chunk:
                    outcome[id(pair)] = PairResult(
                        pair, False, "NOT_SENT", problems.not_sent_text(stopped)
                    )
    return [outcome[id(pair)] for pair in pairs]


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
