"""After the burst: what the database holds, and whether the queues put every emergency first."""

from __future__ import annotations

import psycopg

PRIORITY = {"P1": 1, "P2": 2, "P3": 3, "P4": 4}


def cases_of_calls(database_url: str, sids: list[str]) -> dict:
    """Calls stored, cases behind them, and any call sid stored twice or case shared by two calls."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute("SELECT sid, case_id FROM call WHERE sid = ANY(%s)", (sids,)).fetchall()
        phones = conn.execute(
            """SELECT count(*), count(DISTINCT c.caller_phone) FROM "case" c
               WHERE c.channel = 'voice' AND c.id = ANY(%s)""", ([case for _, case in rows],)).fetchone()
    case_ids = [case for _, case in rows]
    return {"calls_stored": len(rows), "distinct_sids": len({sid for sid, _ in rows}),
            "cases": len(set(case_ids)), "cases_without": sum(1 for c in case_ids if c is None),
            "voice_cases": phones[0], "distinct_callers": phones[1]}


def cases_of_texts(database_url: str, sids: list[str]) -> dict:
    """Inbound messages stored (each once) and the SMS cases they joined."""
    with psycopg.connect(database_url) as conn:
        stored, distinct, cases = conn.execute(
            """SELECT count(*), count(DISTINCT sid), count(DISTINCT case_id) FROM message
               WHERE direction = 'inbound' AND sid = ANY(%s)""", (sids,)).fetchone()
    return {"texts_stored": stored, "distinct_sids": distinct, "cases": cases}


def emergencies_first(app, queues: tuple[str, ...] = ("tier1", "emergency")) -> dict[str, tuple[int, int, bool]]:
    """Per queue, as `triage.queue.waiting` lists it for the dashboards: (waiting, emergencies, all first)."""
    from crm.cases import queue as cases_queue

    out = {}
    with app.app_context():
        for name in queues:
            waiting = cases_queue.waiting(name, limit=5000)
            ranks = [PRIORITY.get(case.priority, 5) for case in waiting]
            p1 = ranks.count(1)
            out[name] = (len(ranks), p1, ranks[:p1] == [1] * p1)
    return out


def advice_latency(database_url: str, sids: list[str], settle: float = 60.0) -> dict:
    """Seconds from each red-flag text stored to its emergency advice accepted by Twilio (`sent_at`).

    Waits up to `settle` seconds for advice still pending or sending; those left count as not sent.
    """
    import time

    query = """SELECT EXTRACT(EPOCH FROM (o.sent_at - i.created_at)), o.status FROM message i
               JOIN message o ON o.case_id = i.case_id AND o.direction = 'outbound' AND o.kind = 'advice'
               WHERE i.direction = 'inbound' AND i.sid = ANY(%s)
               AND i.id = (SELECT min(first.id) FROM message first WHERE first.case_id = i.case_id
                           AND first.direction = 'inbound')"""
    deadline = time.monotonic() + settle
    with psycopg.connect(database_url, autocommit=True) as conn:
        while True:
            rows = conn.execute(query, (sids,)).fetchall()
            waiting = [row for row in rows if row[1] in ("pending", "sending")]
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(1)
    seconds = sorted(float(row[0]) for row in rows if row[0] is not None)
    return {"advice": len(rows), "sent": len(seconds), "unsent": len(rows) - len(seconds),
            "p50": seconds[len(seconds) // 2] if seconds else None,
            "p99": seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))] if seconds else None,
            "max": seconds[-1] if seconds else None}


def expected_events(database_url: str, call_sids: list[str], text_sids: list[str]) -> dict[str, int]:
    """Cases a dashboard must have heard of, per event kind, from what the database holds (a caller whose menu
    webhook failed never became an emergency, so the plans alone would overcount)."""
    with psycopg.connect(database_url) as conn:
        cases = [row[0] for row in conn.execute(
            """SELECT case_id FROM call WHERE sid = ANY(%s) UNION
               SELECT case_id FROM message WHERE direction = 'inbound' AND sid = ANY(%s)""",
            (call_sids, text_sids)).fetchall()]
        emergency, queued = conn.execute(
            """SELECT count(DISTINCT case_id) FILTER (WHERE kind = 'emergency'),
                      count(DISTINCT case_id) FILTER (WHERE kind = 'queued' AND NOT EXISTS (
                          SELECT 1 FROM case_event x WHERE x.case_id = case_event.case_id AND x.kind = 'emergency'))
               FROM case_event WHERE case_id = ANY(%s)""", (cases,)).fetchone()
    return {"case.opened": len(cases), "case.emergency": emergency, "case.queued": queued}
