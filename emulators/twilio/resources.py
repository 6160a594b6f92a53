"""JSON for the REST API, shaped like the OpenAPI description's response schemas.

URIs are Twilio's own (/2010-04-01/...), never prefixed with where the emulator is mounted: the
twilio client joins them to https://api.twilio.com and its http client rewrites that host.
"""

from __future__ import annotations

from urllib.parse import urlencode

from emulators.twilio.state import (
    API_VERSION,
    Call,
    Conference,
    Member,
    Message,
    Participant,
    Queue,
    Settings,
    rfc2822,
)


def _base(settings: Settings) -> str:
    return f"/2010-04-01/Accounts/{settings.account_sid}"


def call_json(settings: Settings, call: Call, queue_seconds: int = 0) -> dict:
    """A Call resource."""
    uri = f"{_base(settings)}/Calls/{call.sid}"
    return {
        "sid": call.sid, "date_created": rfc2822(call.created), "date_updated": rfc2822(call.updated),
        "parent_call_sid": call.parent_call_sid, "account_sid": settings.account_sid,
        "to": call.to, "to_formatted": call.to, "from": call.from_, "from_formatted": call.from_,
        "phone_number_sid": None, "status": call.status, "start_time": rfc2822(call.answered_at),
        "end_time": rfc2822(call.ended_at), "duration": str(call.duration()) if call.ended else None,
        "price": None, "price_unit": "USD", "direction": call.direction, "answered_by": None,
        "api_version": API_VERSION, "forwarded_from": None, "group_sid": None, "caller_name": None,
        "queue_time": str(queue_seconds), "trunk_sid": None, "uri": uri + ".json",
        "subresource_uris": {name: f"{uri}/{name.title().replace('_', '')}.json" for name in
                             ("notifications", "recordings", "payments", "events", "siprec", "streams",
                              "transcriptions", "user_defined_message_subscriptions", "user_defined_messages")},
    }


def queue_json(settings: Settings, queue: Queue) -> dict:
    """A Queue resource."""
    uri = f"{_base(settings)}/Queues/{queue.sid}"
    return {
        "date_updated": rfc2822(queue.updated), "current_size": len(queue.members),
        "friendly_name": queue.friendly_name, "uri": uri + ".json", "account_sid": settings.account_sid,
        "average_wait_time": queue.average_wait(), "sid": queue.sid, "date_created": rfc2822(queue.created),
        "max_size": queue.max_size, "subresource_uris": {"members": f"{uri}/Members.json"},
    }


def member_json(settings: Settings, queue: Queue, member: Member, position: int) -> dict:
    """A queue Member resource."""
    return {
        "call_sid": member.call_sid, "date_enqueued": rfc2822(member.enqueued), "position": position,
        "uri": f"{_base(settings)}/Queues/{queue.sid}/Members/{member.call_sid}.json",
        "wait_time": member.wait_time(), "queue_sid": queue.sid,
    }


def conference_json(settings: Settings, conf: Conference) -> dict:
    """A Conference resource."""
    uri = f"{_base(settings)}/Conferences/{conf.sid}"
    return {
        "account_sid": settings.account_sid, "date_created": rfc2822(conf.created),
        "date_updated": rfc2822(conf.updated), "api_version": API_VERSION, "friendly_name": conf.friendly_name,
        "region": "us1", "sid": conf.sid, "status": conf.status, "uri": uri + ".json",
        "subresource_uris": {"participants": f"{uri}/Participants.json", "recordings": f"{uri}/Recordings.json"},
        "reason_conference_ended": conf.reason_ended, "call_sid_ending_conference": conf.call_sid_ending,
    }


def participant_json(settings: Settings, conf: Conference, participant: Participant) -> dict:
    """A conference Participant resource."""
    return {
        "account_sid": settings.account_sid, "call_sid": participant.call_sid, "label": participant.label,
        "call_sid_to_coach": participant.call_sid_to_coach, "coaching": participant.coaching, "conference_sid": conf.sid,
        "date_created": rfc2822(participant.created), "date_updated": rfc2822(participant.updated),
        "end_conference_on_exit": participant.end_conference_on_exit, "muted": participant.muted,
        "hold": participant.hold, "start_conference_on_enter": participant.start_conference_on_enter,
        "status": participant.status, "queue_time": "0",
        "uri": f"{_base(settings)}/Conferences/{conf.sid}/Participants/{participant.call_sid}.json",
    }


def message_json(settings: Settings, message: Message) -> dict:
    """A Message resource."""
    uri = f"{_base(settings)}/Messages/{message.sid}"
    return {
        "body": message.body, "num_segments": str(message.num_segments), "direction": message.direction,
        "from": message.from_, "to": message.to, "date_updated": rfc2822(message.updated), "price": None,
        "error_message": message.error_message, "uri": uri + ".json", "account_sid": settings.account_sid,
        "num_media": "0", "status": message.status, "messaging_service_sid": message.messaging_service_sid,
        "sid": message.sid, "date_sent": rfc2822(message.date_sent), "date_created": rfc2822(message.created),
        "error_code": message.error_code, "price_unit": "USD", "api_version": API_VERSION,
        "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
    }


def page(key: str, items: list[dict], path: str, query: dict[str, str]) -> dict:
    """One page of a list, with Twilio's paging fields (PageSize, Page)."""
    size = max(1, min(1000, int(query.get("PageSize") or 50)))
    number = max(0, int(query.get("Page") or 0))
    start = number * size
    chunk = items[start:start + size]
    filters = {k: v for k, v in query.items() if k not in ("PageSize", "Page", "PageToken")}

    def uri(n: int) -> str:
        return f"{path}?{urlencode(filters | {'PageSize': size, 'Page': n})}"

    return {
        key: chunk, "end": start + max(len(chunk) - 1, 0), "first_page_uri": uri(0),
        "next_page_uri": uri(number + 1) if start + size < len(items) else None, "page": number,
        "page_size": size, "previous_page_uri": uri(number - 1) if number else None, "start": start,
        "uri": uri(number),
    }
