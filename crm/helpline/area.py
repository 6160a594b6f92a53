"""The helpline: every URL, service, template and script of the desks and the floor, and how they plug in.

The case domain (crm/cases: statuses and transitions, lifecycle, tier 2, assessment, queues, alarms) is the
helpline's core; this area is what staff and the floor see of it.

URLs (a handler is in the module named beside its prefix):
  /workspace/...                     the operator desk's pages            crm.helpline.operator_desk
  /doctor/...                        the doctor desk's pages              crm.helpline.doctor_desk
  /supervisor/..., /wallboard        the floor's pages                    crm.helpline.supervisor.views
  /api/v1/supervisor/...             the floor's figures, board, reports  crm.helpline.supervisor.views
  /api/v1/cases/<id>/take-over, reassign, move, priority;
  PUT /api/v1/supervisor/agents/<id>/state       floor control               crm.helpline.supervisor.floor_api
  /api/v1/cases, /cases/<id>, /cases/<id>/claim, /queues/tier1/next
                                                 cases, claiming             crm.helpline.api.cases
  /api/v1/queues/tier1, /cases/<id>/assessment, escalate, emergency, resolve, inform, schedule-callback, /me/presence,
  /dispositions, /checklist, /canned-replies, /red-flags/suggest, /facilities
                                                 the operator's steps        crm.helpline.api.operator
  /api/v1/cases/<id>/messages, patient, report, screen-pop
                                                 the operator's case panel   crm.helpline.api.operator_case
  /api/v1/cases/<id>/whatsapp, .../template      WhatsApp on a case          crm.helpline.whatsapp.views
  /api/v1/queues/tier2, /cases/<id>/accept, join, leave, identify, call-back, text, notes, refer, complete,
  /me/duty, /me/sound, /doctors/sound, /slots, /appointments...
                                                 the doctor's steps          crm.helpline.api.doctor
  /api/v1/cases/<id>/hold, mute, end-call        call controls               crm.helpline.api.call_controls
  /api/v1/offers/<id>/accept, reject             a contact rung to me        crm.helpline.api.offers
  /api/v1/telephony/token                        the browser phone's token   crm.helpline.api.telephony
  /api/v1/openapi.json                           the API's description       crm.helpline.api.openapi
  /triage-review/...                 labelling unsure triage              crm.helpline.triage_review.views
Services:  crm.cases.* (the case domain: crm.cases.legs says who is on a call), appointments, presence,
           distribution (contacts offered to agents: skills, accept / reject / ring out), screenpop, case_report
           (+ case_report_pdf, case_record),
           missed_call.services, whatsapp.services, triage_review.services, supervisor.kpis / floor_board /
           period_reports / offers / floor_control / monitor, live.events (what the dashboards hear),
           live.sockets (who hears it), messages.inbound / delivery / replies / notices (citizens' texts from any provider:
           telephony/sms.py parses Twilio's form into messages.InboundText; crm/cases/texts.py is their one
           statement), crm.cases.voice (a citizen's call step by step, called by telephony/voice.py)
Templates: templates/operator_desk/, templates/doctor/, templates/supervisor/, templates/triage_review/
Scripts:   static/js/operator-desk.js, operator-desk-outcome.js, operator-desk-phone.js, operator-desk-messaging.js, voice-client.js, flag-hints.js, doctor.js,
           supervisor.js, floor-live.js, wallboard.js, reports.js, report.js
Commands:  flask schedule add
Sweeps:    case clock (alarms, wrap-ups, closing, call-backs due, offers to agents), appointment reminders,
           "we missed your call" texts; retention rules crm.cases.retention (message bodies, ended cases)
Metrics:   crm.helpline.metrics (queues, service level, agents, texts: read at each scrape of /metrics)
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from crm.cases import alarms, assessment, channels, texts, timeline
from crm.cases import retention as case_retention
from crm.helpline import appointments, case_report, cli, distribution, doctor_desk, operator_desk, triage_signoff
from crm.helpline import metrics as helpline_metrics
from crm.helpline.api import call_controls, cases, doctor, offers, openapi, operator, operator_case, telephony  # noqa: F401
from crm.helpline.live import sockets
from crm.helpline.messages import notices
from crm.helpline.supervisor import aggregates, floor_api, kpis_cli  # noqa: F401  (floor_api: its URLs)
from crm.helpline.supervisor import views as supervisor
from crm.helpline.triage_review import views as triage_review
from crm.helpline.whatsapp import services as whatsapp
from crm.helpline.whatsapp import views as whatsapp_views  # noqa: F401
from crm.platform import metrics as platform_metrics
from crm.platform import outbox, partitions, retention, sweeps

# What other areas may import from the helpline (tests/architecture/test_layers.py).
PUBLIC = (
    "crm.cases",
    "crm.helpline.appointments",
    "crm.helpline.api.openapi",
)


def case_clock(now: datetime) -> dict[str, int]:
    """Emergency alarms nobody accepted; wrap-ups that ran out, cases to close, call-backs now due; offers that rang
    out and contacts to offer (also when no dashboard is open)."""
    done = alarms.sweep(now)
    done |= {k: len(v) for k, v in assessment.settle(now).items()}
    done["offered"] = distribution.run(now)
    return done


def register(app: Flask) -> None:
    """Plug the helpline into the app."""
    outbox.install_case_timeline(timeline.add_event)  # a text about a case goes on its timeline
    channels.install_free_form_check("whatsapp", whatsapp.ensure_free_form_allowed)  # the 24-hour rule
    sockets.init_app()
    app.add_template_filter(lambda event: case_report.describe(event.kind, event.detail), "event_text")
    app.add_template_global(triage_signoff.state, "triage_signoff")  # every screen with a triage priority says it
    app.register_blueprint(operator_desk.bp)
    app.register_blueprint(doctor_desk.bp)
    app.register_blueprint(triage_review.bp)
    app.register_blueprint(supervisor.bp)
    app.register_blueprint(supervisor.api)
    sweeps.register(app, "case_clock", case_clock)
    sweeps.register(app, "reminders", appointments.send_reminders)
    platform_metrics.register(app, "helpline", helpline_metrics.families)
    sweeps.register(app, "missed_callers", notices.tell_missed_callers)
    sweeps.register(app, "kpi_cases_counted", aggregates.sweep)
    for rule in case_retention.RULES:  # message bodies redacted, ended cases anonymised after their period
        retention.register(app, rule)
    for monthly in case_retention.MONTHLY:  # the timeline, the audit log, the texts: a partition a month each
        partitions.register(app, monthly)
    sweeps.register(app, "message_claims", texts.forget_claims)  # inbound texts' provider ids, kept the retry window
    app.cli.add_command(cli.schedule_cli)
    app.cli.add_command(kpis_cli.kpis_cli)
