"""The registered SMS texts (crm/platform/sms_templates.json): every text the code sends is one of them, word for word,
in Delhi's four languages, and the routine ones cost one SMS part (the DLT scrubber's check, and the bill's)."""

from __future__ import annotations

import ast
import re
import unicodedata
from datetime import UTC
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm.helpline.messages import replies
from crm.platform import sms_templates
from crm.platform.sms_parts import segments

TEMPLATES = sms_templates.all_templates()
NAMES = sorted({t.name for t in TEMPLATES})
SCRIPTS = {"hi": "DEVANAGARI", "pa": "GURMUKHI", "ur": "ARABIC"}
LANGUAGES = ("hi", "en", "pa", "ur", "hinglish")


def longest(template) -> str:
    """The template filled with every variable at its longest (what `parts` must cover)."""
    return template.render(**{name: "9" * most for name, most in template.variables})


def scripts_of(text: str) -> set[str]:
    return {unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()}


@pytest.mark.parametrize("name", NAMES)
def test_every_text_is_registered_in_delhis_four_languages(name):
    languages = {t.language for t in TEMPLATES if t.name == name}
    assert set(sms_templates.LANGUAGES) <= languages


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.language in SCRIPTS], ids=lambda t: f"{t.name}-{t.language}")
def test_each_language_is_written_in_its_own_script(template):
    # Punjabi in Gurmukhi and Urdu in Persian script (Arabic letters), never Hindi's Devanagari; Latin only for
    # the reference ("SMP-") and names like the helpline's.
    words = scripts_of(template.text.replace(sms_templates.VARIABLE, ""))
    assert SCRIPTS[template.language] in words and words <= {SCRIPTS[template.language], "LATIN"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.name}-{t.language}")
def test_the_file_states_the_parts_each_text_costs(template):
    assert segments(longest(template)) == template.parts


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t.routine], ids=lambda t: f"{t.name}-{t.language}")
def test_routine_acknowledgements_fit_one_sms_part(template):
    assert template.parts == 1 and segments(longest(template)) == 1


def test_advice_that_takes_more_than_one_part_says_so():
    longer = [t for t in TEMPLATES if segments(longest(t)) > 1]
    assert longer and all(not t.routine and t.parts > 1 for t in longer)


def test_each_dlt_template_id_is_one_text():
    ids = [t.dlt_template_id for t in TEMPLATES]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[0-9]{19}", i) for i in ids)
    assert {t.category for t in TEMPLATES} <= {"transactional", "service_implicit", "service_explicit", "promotional"}


def produced_texts():
    """Every SMS text the code can produce, by the functions that produce them, in every language."""
    from datetime import datetime
    from types import SimpleNamespace

    from crm.helpline.missed_call.services import sms_text
    from crm.models.base import local
    from crm.platform.outbox import SECRET_MASK

    whens = [local(datetime(2026, m, d, h, 5, tzinfo=UTC)).strftime("%d %b %H:%M")  # as notices writes it
             for m, d, h in ((1, 1, 0), (9, 30, 18), (12, 31, 23))]
    for kind in replies.KINDS:
        for language in LANGUAGES:
            for ref in ("SMP-00001", "SMP-1234567"):
                for when in (whens if kind == "callback_at" else [None]):
                    yield kind, replies.reply(kind, language, ref=ref, when=when)
    for language in (None, *LANGUAGES):
        for minutes in (5, 120):
            case = SimpleNamespace(reference="SMP-00042", language=language)
            yield "callback_scheduled", sms_text(case, minutes)
    for language in LANGUAGES:
        text = sms_templates.render("signin_code", language, code=SECRET_MASK, minutes=10)
        yield "signin_code", text.replace(SECRET_MASK, "004217")  # what the send job hands the provider
    from crm.residents.card_office.data_requests import decision_text

    for language in ("hi", "en", "pa", "ur"):
        for status in ("done", "refused"):
            for ref in (1, 1234567):
                request = SimpleNamespace(status=status, language=language, reference=f"DR-{ref:05d}")
                yield f"data_request_{status}", decision_text(request)


@pytest.mark.parametrize(("name", "text"), list(produced_texts()))
def test_every_text_the_code_produces_matches_its_template_exactly(name, text):
    matched = sms_templates.match(text)
    assert matched is not None and matched.name == name, text


FACILITY_QUESTIONS = {  # a question in each script: with a pincode, a known ward, none, and a place nobody knows
    "hi": ("नज़दीकी अस्पताल 110092", "लक्ष्मी नगर में नज़दीकी क्लिनिक", "नज़दीकी क्लिनिक कहां है", "नज़दीकी क्लिनिक 110999"),
    "en": ("nearest hospital 110092", "nearest clinic in Laxmi Nagar", "nearest clinic please", "nearest clinic 110999"),
    "hinglish": ("sabse paas aspatal kahan hai 110092", "Laxmi Nagar me paas clinic kahan hai",
                 "sabse paas clinic kahan hai", "paas clinic kahan hai 110999"),
    "pa": ("ਨੇੜੇ ਦਾ ਹਸਪਤਾਲ 110092", "ਲਕਸ਼ਮੀ ਨਗਰ ਵਿੱਚ ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ", "ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ ਕਿੱਥੇ ਹੈ",
           "ਨੇੜੇ ਦਾ ਕਲੀਨਿਕ 110999"),
    "ur": ("قریبی اسپتال 110092", "لکشمی نگر میں قریبی کلینک", "قریبی کلینک کہاں ہے", "قریبی کلینک 110999"),
}


@pytest.mark.parametrize("script", sorted(FACILITY_QUESTIONS))
def test_every_facility_answer_by_sms_is_a_registered_template_in_the_senders_script(app, script):
    # Opening hours change the words in the variables, not the template: early morning, mid-morning and night.
    from datetime import UTC, datetime

    from crm.citizens.facilities import answer, importer, question
    from crm.platform.extensions import db

    importer.import_file(importer.DEMO_FILE)
    db.session.commit()
    seen = set()
    with app.test_request_context():
        for body in FACILITY_QUESTIONS[script]:
            asked = question.read(body)
            assert asked is not None and asked.script == script, body
            for moment in (datetime(2026, 11, 30, 0, 30, tzinfo=UTC), datetime(2026, 11, 30, 4, 30, tzinfo=UTC),
                           datetime(2026, 12, 6, 17, 0, tzinfo=UTC)):
                text = answer.text_for(asked, moment)
                matched = sms_templates.match(text)
                assert matched is not None and matched.language == script, text
                seen.add(matched.name)
    assert {"facilities_ask", "facilities_unknown"} <= seen and seen & {"facilities_near_2", "facilities_near_3"}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: f"{t.name}-{t.language}")
def test_a_text_matches_only_its_own_template(template):
    assert sms_templates.match(longest(template)) == template


@given(st.data())
def test_any_filling_within_bounds_matches_and_any_changed_word_does_not(data):
    template = data.draw(st.sampled_from(TEMPLATES))
    values = {name: data.draw(st.text(min_size=1, max_size=most)) for name, most in template.variables}
    text = template.render(**values)
    assert template.matches(text)
    fixed = template.text.replace(sms_templates.VARIABLE, "")
    assert not template.matches(text + "!") and not template.matches("x" + text)
    if template.variables:
        name, most = template.variables[0]
        pieces = template.text.split(sms_templates.VARIABLE)
        overlong = [("9" * (most + 1) if i == 0 else values[n]) for i, (n, _) in enumerate(template.variables)]
        assert not template.matches(pieces[0] + "".join(v + p for v, p in zip(overlong, pieces[1:])))
        # render cuts a value to its bound, so what the code sends still matches
        assert template.matches(template.render(**(values | {name: "9" * (most + 1)})))
    assert fixed  # a template is words, not only variables


def test_a_text_with_a_word_changed_matches_nothing():
    text = replies.reply("ack", "en", ref="SMP-00042").replace("advisor", "doctor")
    assert sms_templates.match(text) is None


# ---- every place the code sends an SMS, found by reading the code, and the registered texts each one sends --------

ROOT = Path(__file__).resolve().parents[1]
STAFF = "typed at a desk: under DLT only a registered text goes (tests/telephony/test_exotel_desk.py)"
WRAPPER = "passes on the text its callers give it (they are listed)"
WHATSAPP = "WhatsApp's approved templates (crm/helpline/whatsapp/templates.json), not an SMS"
FACILITY = ("the facility finder's answer, facilities_* (crm.citizens.facilities.answer), each matched against its "
            "template in the sender's script by test_every_facility_answer_by_sms_is_a_registered_template_...")
GRIEVANCE = {"grievance_open", "grievance_in_progress", "grievance_resolved", "grievance_closed", "grievance_reply",
             "grievance_reopened"}
APPOINTMENT = {"appointment_booked", "appointment_reminder", "appointment_cancelled"}
CARD = {"card_submitted", "card_in_progress", "card_reissued", "card_rejected", "card_delivered",
        "card_holder_submitted", "card_holder_reissued", "card_holder_rejected"}
HOUSEHOLD = {"household_pending", "household_approved", "household_refused"}
SITES = {
    "crm.cases.assessment:inform": {"facility_inform"},
    "crm.cases.replies:reply": STAFF,
    "crm.helpline.api.doctor:text": STAFF,
    "crm.citizens.grievances.services:tell": GRIEVANCE,
    "crm.citizens.grievances.desk_work:_send": "an officer's reply on WhatsApp inside the 24-hour window, not an SMS "
                                               "(outside it, and on every other channel, grievance_reply by SMS)",
    "crm.citizens.grievances.services:from_sms": {"grievance_usage"},
    "crm.citizens.portal.signin:request_code": {"signin_code"},
    "crm.helpline.appointments:_text": APPOINTMENT,
    "crm.helpline.case_report:send_to_citizen": {"case_report"},
    "crm.helpline.messages.inbound:_answer_facility_question": FACILITY,
    "crm.helpline.messages.inbound:_join_or_open": {"ack", "emergency"},  # and FACILITY, for a question with more
    "crm.helpline.messages.inbound:queue_reply": WRAPPER,
    "crm.helpline.messages.notices:_send": WRAPPER,
    "crm.helpline.messages.notices:callback_scheduled": {"callback_at"},
    "crm.helpline.messages.notices:tell_missed_callers": {"missed_call"},
    "crm.helpline.missed_call.services:record": {"callback_scheduled"},
    "crm.helpline.whatsapp.services:send_template": WHATSAPP,
    "crm.residents.card_office.data_requests:decide": {"data_request_done", "data_request_refused"},
    "crm.residents.card_office.requests:_tell": CARD,
    "crm.residents.enrollment.joins:_tell": HOUSEHOLD,
    "telephony.fallback:_promise_callback": {"fallback_callback"},
    "telephony.fallback:sms_fallback": {"emergency_now", "unstored"},  # the provider's answer to the webhook itself
    "telephony.reconcile:_call_gone": {"missed_call"},
}


def _functions(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            yield from ((f"{node.name}.{item.name}", item) for item in node.body
                        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))


def _callee(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        if isinstance(func.value, ast.Name) and func.value.id == "texts" and func.attr == "Reply":
            return "texts.Reply"  # a text's reply written in the same statement as the text (crm.cases.texts)
        return func.attr
    return None


def send_sites() -> set[str]:
    """Every function in crm/ and telephony/ that sends an SMS (module:function): each call of the outbox's queue_sms,
    of a function that passes its own argument on as the text (followed to its callers), of crm.cases.texts' Reply,
    and each TwiML <Message> a webhook answers with."""
    return sites_in({".".join(path.relative_to(ROOT).with_suffix("").parts): path.read_text(encoding="utf-8")
                     for path in sorted([*(ROOT / "crm").rglob("*.py"), *(ROOT / "telephony").rglob("*.py")])})


def sites_in(sources: dict[str, str]) -> set[str]:
    """send_sites over {module: source}."""
    modules = {module: (ast.parse(source), source) for module, source in sources.items()}
    senders = {(None, "queue_sms"), (None, "texts.Reply")}  # (the module a private name belongs to, the name)
    sites: set[str] = set()
    while True:
        found = set()
        for module, (tree, source) in modules.items():
            if module == "crm.platform.outbox":
                continue
            twiml = "MessagingResponse" in source
            for qualname, function in _functions(tree):
                params = {a.arg for a in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]}
                for node in ast.walk(function):
                    name = _callee(node) if isinstance(node, ast.Call) else None
                    if (twiml and name == "message") or (None, name) in senders or (module, name) in senders:
                        found.add(f"{module}:{qualname}")
                    if name in ("queue_sms", *(n for _, n in senders if n not in ("queue_sms", "texts.Reply"))):
                        body = node.args[1] if len(node.args) > 1 else next(
                            (k.value for k in node.keywords if k.arg == "body"), None)
                        if name == "queue_sms" and isinstance(body, ast.Name) and body.id in params:
                            short = qualname.rsplit(".", 1)[-1]
                            senders.add((module if short.startswith("_") else None, short))
        if found == sites:
            return sites
        sites = found


def test_every_place_that_sends_an_sms_is_known_with_the_texts_it_sends():
    # A new place that texts a citizen fails here: register its words in sms_templates.json (four languages, DLT ids),
    # render them from there, add the place to SITES and its texts to app_produced_texts below.
    assert send_sites() == set(SITES)


def test_the_search_finds_a_new_send_site_through_a_wrapper_and_a_twiml_answer():
    planted = {
        "crm.x.notify": "from crm.platform import outbox\n"
                        "def _tell(phone, words):\n    outbox.queue_sms(phone, words)\n"
                        "def on_change(thing):\n    _tell(thing.phone, f'free {thing}')\n",
        "crm.x.other": "def _tell(phone):\n    return phone\ndef unrelated():\n    _tell('+91')\n",
        "telephony.x": "from twilio.twiml.messaging_response import MessagingResponse\n"
                       "def hook():\n    r = MessagingResponse()\n    r.message('hi')\n",
    }
    assert sites_in(planted) == {"crm.x.notify:_tell", "crm.x.notify:on_change", "telephony.x:hook"}


def app_produced_texts():
    """(template name, text) for every registered text the desks, offices and services produce, through the code
    that produces them, in every language and with the longest values they can carry."""
    from datetime import datetime, timedelta
    from types import SimpleNamespace as Thing

    from crm.cases import dispositions
    from crm.cases.assessment import facility_text
    from crm.citizens.grievances import texts as grievance_texts
    from crm.helpline import appointments
    from crm.helpline.case_report import citizen_text
    from crm.helpline.messages import inbound
    from crm.residents.card_office import requests as card_requests
    from crm.residents.enrollment import joins

    created = datetime(2026, 12, 7, 4, 30, tzinfo=UTC)
    long_name = "Mohammed Abdul Rahman Siddiqui Qureshi"  # longer than a DLT variable: cut to its bound
    for language in ("hi", "hl", "en", "pa", "ur", None):
        for status in ("open", "in_progress", "resolved", "closed"):
            grievance = Thing(reference="GRV-00042", status=status, language=language, created_at=created,
                              due_at=created + timedelta(days=15), resolution="The clinic's staff were spoken to. " * 9)
            yield f"grievance_{status}", grievance_texts.status_sms(grievance)
        grievance = Thing(reference="GRV-99999", status="open", language=language, created_at=created,
                          updated_at=created + timedelta(days=20), due_at=created + timedelta(days=35))
        for news in ("reply", "reopened"):
            yield f"grievance_{news}", grievance_texts.status_sms(grievance, news)
        yield "grievance_usage", grievance_texts.usage_sms(language)
    facility = Thing(name="Dr. Baba Saheb Ambedkar Hospital, Rohini Sector 6", name_hi="डॉ. बाबा साहेब अंबेडकर अस्पताल")
    slot = Thing(facility=facility, doctor=Thing(name="Dr. Asha Ramachandran Iyer Venkatesh"), starts_at=created)
    for language in ("hi", "en", "pa", "ur", None):
        for patient in (Thing(name=long_name), None):
            appointment = Thing(slot=slot, patient=patient, phone="+919812345678", language=language)
            for kind in ("booked", "reminder", "cancelled"):
                yield f"appointment_{kind}", appointments.text_for(appointment, kind)
    for language in ("hi", "en", "pa", "ur"):
        holder = Thing(mobile="+919812345600", preferred_language=language)
        for status in ("submitted", "in_progress", "reissued", "rejected", "delivered"):
            for kind in ("revised", "duplicate"):
                request = Thing(reference="CR-00042", status=status, language=language, kind=kind, phone="+919812345678",
                                new_card=Thing(number="123456789012") if status == "reissued" else None,
                                patient=holder, for_another_adult=True, note="Photo unclear, bring a new one. " * 5)
                yield f"card_{status}", card_requests.text_for(request)
                if status in ("submitted", "reissued", "rejected"):
                    yield f"card_holder_{status}", card_requests.text_for_holder(request)
        for status in ("pending", "approved", "refused"):
            join = Thing(status=status, reference="HJ-00042", place="Lok Nayak Hospital enrolment camp, Gate 3",
                         patient=Thing(name=long_name))
            yield f"household_{status}", joins.text_for(join, language)
        yield "case_report", citizen_text(Thing(language=language, reference="SMP-00042", messages=[]))
        for reply in dispositions.canned_replies("SMP-00042", "1800-11-2233"):
            yield reply["template"], reply[language]
    texted = [Thing(direction="inbound", language="hinglish")]
    yield "case_report", citizen_text(Thing(language="hi", reference="SMP-1234567", messages=texted))
    for caller in ("+919812345678", None):
        case = Thing(reference="SMP-00042", patient_id=None, caller_phone=caller)
        yield "facility_inform", facility_text(case, Thing(code="MC-SLP-01"))
    for body in ("hello", "नमस्ते", "ਸਤ ਸ੍ਰੀ ਅਕਾਲ", "السلام علیکم", "kal se bukhar hai"):
        yield "unstored", inbound.unstored_reply(body)


def test_every_text_the_desks_and_offices_send_matches_its_template_exactly(app):
    produced = list(app_produced_texts())
    wrong = [(name, text) for name, text in produced if getattr(sms_templates.match(text), "name", None) != name]
    assert not wrong, wrong
    by_language = {(name, sms_templates.match(text).language) for name, text in produced}
    citizens = {name for name, _ in produced} - {"facility_inform"}  # to a facility's staff: in English
    assert {(name, lang) for name in citizens for lang in sms_templates.LANGUAGES} <= by_language


def test_every_text_a_send_site_names_is_produced_and_registered(app):
    named = set().union(*(texts for texts in SITES.values() if isinstance(texts, set)))
    produced = {name for name, _ in produced_texts()} | {name for name, _ in app_produced_texts()}
    assert named <= produced <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("language", (*LANGUAGES, "bn", "xx"))
def test_find_gives_the_template_of_that_name_and_language_else_english(name, language):
    # Looked up by name once (crm.platform.sms_templates._by_name), as a scan of every template answers.
    by_language = {t.language: t for t in TEMPLATES if t.name == name}
    assert sms_templates.find(name, language) == by_language.get(language, by_language[sms_templates.FALLBACK])


def test_an_unknown_text_is_refused():
    with pytest.raises(sms_templates.UnknownTemplate):
        sms_templates.find("no_such_text", "en")
