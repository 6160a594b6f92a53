"""Every figure of the helpline, defined once, in its own words; the board, the wallboard, the API, CSV and PDF read
these, and the screens show DEFINITIONS (below) as their tooltips and legend.

A contact is one case offered to one queue; days are Delhi days (Asia/Kolkata).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app

from crm.helpline.supervisor import offers as timeline
from crm.models.base import DELHI, local

QUEUES = ("tier1", "texts", "tier2", "emergency")
QUEUE_NAMES = {"tier1": "Tier 1 calls", "texts": "Tier 1 texts", "tier2": "Tier 2 doctors",
               "emergency": "Emergency"}
FCR_DAYS = 7
# What each figure means, as the floor reads it on screen (tooltips and the legend) and as the code computes it.
DEFINITIONS = {
    "offered": "Contacts that joined the queue today (a call-back the caller asked for keeps its place).",
    "answered": "Contacts an operator claimed (tier 1) or a doctor accepted (tier 2, emergency).",
    "abandoned": "Callers who hung up before anyone answered. A short abandon (under the short-abandon setting) is "
                 "a misdial or a change of mind and is left out of service level and abandon rate.",
    "waiting": "Contacts in the queue right now, nobody has answered them yet.",
    "longest_wait": "How long the contact waiting longest right now has waited.",
    "service_level": "Answered within the queue's threshold, as a share of the contacts answered, abandoned after "
                     "the short threshold, and still waiting past the threshold: a contact still waiting past it has "
                     "missed it already and counts as missed now, not when it is finally answered.",
    "average_speed_of_answer": "The mean wait of the answered contacts, from joining the queue to being answered.",
    "abandon_rate": "Abandoned after the short threshold, as a share of offered less short abandons.",
    "average_handle_time": "Talk (the staff member's call legs on the case; for a text, claim to outcome) plus "
                           "wrap-up (outcome to the end of wrap-up); a doctor's runs from acceptance to their "
                           "resolution. Credited to the person who answered.",
    "first_contact_resolution": f"Of the contacts given a tier-1 outcome, the share resolved at tier 1 (resolved or "
                                f"a facility informed, never escalated) whose caller did not contact the helpline "
                                f"again within {FCR_DAYS} days; provisional until those days have passed.",
    "time_to_doctor": "An emergency's wait from joining the emergency queue to a doctor accepting it (median and "
                      "90th percentile).",
    "unaccepted_emergencies": "Emergencies no doctor has accepted that have waited past the emergency threshold: "
                              "the floor is alerted and the wallboard turns red.",
    "doctors": "Doctors logged in (a live session), on duty (taking tier-2 calls), with the alarm's sound on, and "
               "on a call (a call leg of theirs is connected).",
}
# Setting -> default. Tier 2 (a doctor takes an escalation) is given 5 minutes: the operator stays on the
# line meanwhile, so it is a warm handover, not a caller alone in a queue.
DEFAULTS = {
    "SL_TIER1_SECONDS": 60, "SL_TIER1_TARGET": 80,
    "SL_TEXTS_SECONDS": 900, "SL_TEXTS_TARGET": 80,
    "SL_TIER2_SECONDS": 300, "SL_TIER2_TARGET": 80,
    "SL_EMERGENCY_SECONDS": 30, "SL_EMERGENCY_TARGET": 95,
    "SHORT_ABANDON_SECONDS": 5, "ABANDON_TARGET": 5,
}


@dataclass(frozen=True)
class Target:
    """A queue's service-level threshold (seconds) and target (percent answered within it)."""

    seconds: int
    percent: int


# How the reports group offers; the kept sums are grouped the same way (crm.helpline.supervisor.aggregates).
GROUPINGS: dict[str, Callable[[timeline.Offer], str]] = {
    "hour": lambda o: local(o.entered).strftime("%H:00"),
    "day": lambda o: local(o.entered).date().isoformat(),
    "week": lambda o: week_of(local(o.entered).date()),
    "queue": lambda o: o.queue,
    "agent": lambda o: str(o.answered_by) if o.answered_by else "not answered",
    "channel": lambda o: o.case.channel,
    "language": lambda o: o.case.language,
    "priority": lambda o: o.case.priority,
    "outcome": lambda o: o.case.outcome or "open",
}


def week_of(day: date) -> str:
    """The ISO week a Delhi day falls in (2026-W47)."""
    return "{}-W{:02d}".format(*day.isocalendar()[:2])


def settings() -> dict[str, int]:
    """The thresholds and targets in force (environment or overrides, else the defaults)."""
    return {key: int(current_app.config.get(key, default)) for key, default in DEFAULTS.items()}


def targets() -> dict[str, Target]:
    """Each queue's service-level threshold and target."""
    values = settings()
    return {q: Target(values[f"SL_{q.upper()}_SECONDS"], values[f"SL_{q.upper()}_TARGET"]) for q in QUEUES}


def delhi_day(day: date) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of a Delhi calendar day."""
    start = datetime.combine(day, time(0), tzinfo=DELHI)
    return start, start + timedelta(days=1)


def today(now: datetime) -> date:
    """The Delhi date at `now`."""
    return local(now).date()


def percent(part: int, whole: int) -> float | None:
    """A share in percent with one decimal, None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def mean_of(total_microseconds: int, count: int) -> float | None:
    """The mean in seconds (one decimal) of `count` durations summing to `total_microseconds`, None when none: from
    exact integer sums, so the mean of a day's sums and of the same offers read from the timeline are the same."""
    return round(total_microseconds / (count * 1_000_000), 1) if count else None


def nearest_rank(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (p90 of ten waits is the ninth longest), None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(share * len(ordered)) - 1)], 1)


def microseconds(delta: timedelta) -> int:
    """A duration in whole microseconds (the timeline's resolution): what the sums add."""
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


SUMS = ("offered", "answered", "abandoned", "short_abandoned", "within", "wait_us", "handle_n", "handle_us")


def offer_sums(offer: timeline.Offer, target: Target, short: int) -> dict[str, int]:
    """One offer's share of its queue's sums (DEFINITIONS): the board, the reports and the kept sums add these."""
    end = offer.answered or offer.abandoned
    wait = microseconds(end - offer.entered) if end else 0
    answered, abandoned = offer.answered is not None, offer.abandoned is not None
    handle = handle_microseconds(offer) if answered else None
    return {"offered": 1, "answered": int(answered), "abandoned": int(abandoned),
            "short_abandoned": int(abandoned and wait < short * 1_000_000),
            "within": int(answered and wait <= target.seconds * 1_000_000),
            "wait_us": wait if answered else 0, "handle_n": int(handle is not None), "handle_us": handle or 0}


def add_sums(into: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    """`into` plus `more`, sum by sum."""
    for key, value in more.items():
        into[key] = into.get(key, 0) + value
    return into


def queue_figures(offers: list[timeline.Offer], queue: str, target: Target, short: int,
                  now: datetime | None = None) -> dict:
    """Offered, answered, abandoned, service level, speed of answer, abandon rate, handle time of one queue
    (DEFINITIONS); with `now`, contacts still waiting past the threshold count as missed."""
    mine = [o for o in offers if o.queue == queue]
    sums = dict.fromkeys(SUMS, 0)
    for offer in mine:
        add_sums(sums, offer_sums(offer, target, short))
    missed = sum(1 for o in mine if overdue(o, target, now))
    waits = [o.wait for o in mine if o.answered] if queue == "emergency" else []
    return figures_of(queue, sums, target, missed, waits)


def figures_of(queue: str, sums: dict[str, int], target: Target, overdue: int = 0,
               emergency_waits: list[float] | None = None) -> dict:
    """A queue's figures from its sums, the contacts waiting past the threshold now, and (emergency queue) the
    answered waits in seconds: the one place each figure's formula is written."""
    long_abandoned = sums["abandoned"] - sums["short_abandoned"]
    figures = {
        "queue": queue, "name": QUEUE_NAMES[queue],
        "offered": sums["offered"], "answered": sums["answered"], "abandoned": sums["abandoned"],
        "short_abandoned": sums["short_abandoned"],
        "missed_waiting": overdue,
        "service_level": percent(sums["within"], sums["answered"] + long_abandoned + overdue),
        "threshold_seconds": target.seconds, "target_percent": target.percent,
        "average_speed_of_answer": mean_of(sums["wait_us"], sums["answered"]),
        "abandon_rate": percent(long_abandoned, sums["offered"] - sums["short_abandoned"]),
        "average_handle_time": mean_of(sums["handle_us"], sums["handle_n"]),
    }
    if queue == "emergency":
        waits = emergency_waits or []
        figures["time_to_doctor_median"] = round(statistics.median(waits), 1) if waits else None
        figures["time_to_doctor_p90"] = nearest_rank(waits, 0.9)
    return figures


def handle_seconds(offer: timeline.Offer) -> float | None:
    """Talk plus wrap-up of the person who answered this offer; None until they are done with it."""
    handle = handle_microseconds(offer)
    return None if handle is None else handle / 1_000_000


def handle_microseconds(offer: timeline.Offer) -> int | None:
    """Talk plus wrap-up of the person who answered this offer, in microseconds; None until they are done with it."""
    row = offer.case
    if offer.queue in ("tier2", "emergency"):
        if row.doctor_done_at is None:
            return None
        return microseconds(row.doctor_done_at - offer.answered)
    if row.outcome_at is None or row.outcome_at < offer.answered:
        return None
    # The legs' talk comes from PostgreSQL as an exact decimal of seconds (microseconds at most).
    talk = round(row.talk * 1_000_000) if row.talk is not None else microseconds(row.outcome_at - offer.answered)
    wrap = microseconds(row.wrap_up_until - row.outcome_at) if row.wrap_up_until else 0
    return int(talk) + max(0, wrap)


def fcr_counts(row: timeline.CaseRow) -> tuple[int, int]:
    """(given a tier-1 outcome, resolved at tier 1 with no new contact from the caller within 7 days) of one case."""
    if row.outcome_at is None or row.claimed_at is None:
        return 0, 0
    again = row.next_contact_at and row.next_contact_at - row.created_at <= timedelta(days=FCR_DAYS)
    return 1, int(row.escalated_at is None and row.outcome in ("resolved", "informed") and not again)


def fcr_figures(given: int, resolved: int, last_created: datetime | None, now: datetime) -> dict:
    """First-contact resolution from its counts; final once FCR_DAYS have passed since the newest contact counted."""
    final = bool(given) and last_created is not None and now >= last_created + timedelta(days=FCR_DAYS)
    return {"contacts": given, "resolved_first_time": resolved, "percent": percent(resolved, given), "final": final}


def first_contact_resolution(rows: list[timeline.CaseRow], now: datetime) -> dict:
    """Share of tier-1 outcomes resolved at tier 1 with no new contact from the caller within 7 days."""
    counts = [(fcr_counts(r), r.created_at) for r in rows]
    created = [at for (given, _r), at in counts if given]
    return fcr_figures(len(created), sum(r for (_g, r), _at in counts), max(created, default=None), now)


def overdue(offer: timeline.Offer, target: Target, now: datetime | None) -> bool:
    """A contact still waiting past its queue's threshold at `now`: it counts as missed already."""
    return offer.waiting and now is not None and (now - offer.entered).total_seconds() > target.seconds


def day_figures(day: date, now: datetime) -> dict:
    """The figures of one Delhi day, per queue and overall."""
    start, end = delhi_day(day)
    rows = timeline.case_rows(start, end)
    return figures_for(rows, start, end, now)


def figures_for(rows: list[timeline.CaseRow], start: datetime, end: datetime, now: datetime) -> dict:
    """Per-queue figures and first-contact resolution of the offers that entered in [start, end)."""
    values = settings()
    offers = [o for o in timeline.offers(rows) if start <= o.entered < end]
    queues = {q: queue_figures(offers, q, t, values["SHORT_ABANDON_SECONDS"], now) for q, t in targets().items()}
    entered_rows = {o.case.id for o in offers}
    return {
        "queues": queues,
        "first_contact_resolution": first_contact_resolution([r for r in rows if r.id in entered_rows], now),
        "callbacks_requested": sum(1 for r in rows if r.callback_requested_at and start <= r.callback_requested_at < end),
        "short_abandon_seconds": values["SHORT_ABANDON_SECONDS"], "abandon_target_percent": values["ABANDON_TARGET"],
        "offers": offers,
    }


def waiting(now: datetime) -> dict[str, dict]:
    """Per queue: how many wait right now, the longest wait in seconds and how many waited past the threshold."""
    return {q: figures for (q, _language), figures in _waiting(now, by_language=False).items()}


def waiting_by_language(now: datetime) -> dict[tuple[str, str], dict]:
    """The same per queue and caller's language (only the pairs someone waits in)."""
    return _waiting(now, by_language=True)


def _waiting(now: datetime, by_language: bool) -> dict[tuple[str, str], dict]:
    limits = targets()
    result = {} if by_language else {(q, ""): {"waiting": 0, "longest_wait": None, "overdue": 0} for q in QUEUES}
    for _id, channel, queue, status, queued_at, escalated_at, language in timeline.waiting_now():
        if status == "escalated":
            name, since = ("emergency" if queue == "emergency" else "tier2"), escalated_at or queued_at
        elif queue == "emergency":
            name, since = "emergency", queued_at
        else:
            name, since = ("tier1" if channel == "voice" else "texts"), queued_at
        if name == "tier2" and not (queue or "").startswith("tier2"):
            continue
        slot = result.setdefault((name, language if by_language else ""),
                                 {"waiting": 0, "longest_wait": None, "overdue": 0})
        slot["waiting"] += 1
        if since is not None:
            wait = round(max(0.0, (now - since).total_seconds()))
            slot["longest_wait"] = max(slot["longest_wait"] or 0, wait)
            slot["overdue"] += wait > limits[name].seconds
    return result


def rag(figures: dict, waiting_now: dict, values: dict[str, int]) -> dict[str, str]:
    """Green / amber / red of one queue against its targets (amber: missed; red: missed by far)."""
    states = {}
    level, target = figures["service_level"], figures["target_percent"]
    if level is not None:
        states["service_level"] = "green" if level >= target else "amber" if level >= target - 10 else "red"
    rate, ceiling = figures["abandon_rate"], values["ABANDON_TARGET"]
    if rate is not None:
        states["abandon_rate"] = "green" if rate <= ceiling else "amber" if rate <= 2 * ceiling else "red"
    longest, threshold = waiting_now.get("longest_wait"), figures["threshold_seconds"]
    if longest is not None:
        states["longest_wait"] = "green" if longest <= threshold else "amber" if longest <= 2 * threshold else "red"
    if figures.get("time_to_doctor_p90") is not None:
        p90 = figures["time_to_doctor_p90"]
        states["time_to_doctor_p90"] = "green" if p90 <= threshold else "amber" if p90 <= 2 * threshold else "red"
    return states
