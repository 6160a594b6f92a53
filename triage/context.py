"""The context layer: an emergency word told of the past, of a plan, or inside a request is not an emergency by itself.

It runs last, after the rules, the symptom floor and the model, and it may only lower P1 to P2, never
further: a message it misreads still reaches a doctor today. It lowers only when every reason for the
P1 is covered by context:

- a P1 rule's phrase sits in a clause with a word of time (past, planned, stable, "if", no one ill) or a request that
  names no one it could be happening to ("my son", "papa", "I"), and no present-tense state ("is", "hai", "gaya"; a
  habitual "hota hai" is a question, a request's "chahida hai" no state); a verb told in the past ("aaya tha", "hoya
  si", "ہوا تھا", "হয়েছিল") covers its clause only beside a routine purpose elsewhere; a plea ("ambulance",
  "emergency") needs a word of time anywhere, such a request in its clause, or names a service's number in a message
  that tells nothing else alarming ("ambulance ka number ... notice board lai");
- the model's P1 needs a word of time in the message, or such a request and no present-tense state and no person
  anywhere, and every clause with a symptom covered;

and nothing says it is happening now. A word of now ("now", "again", "abhi", "aaj", "hun", "এখন") says so where it
attaches to the emergency: in a clause with a red flag, a symptom, a patient's verb going on, a plea or a body part
beside an event, or alone. In a calm clause of its own it is the request's or the plan's when that clause asks or
plans something ("aaj OPD kab khulega", "ab unki file chahiye"), or tells no one's present state and no event ("kal
mausa ji ka dialysis slot hai"). "Right now" (but in a clause that only asks), "since" a time ("subah se"), a call to
send help, haste beside a plea and "never before" always say so.

The words are data: `[context]` in lexicon.toml, hashed with the rules' version.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib

from triage.engine import Match, Triage, novel_positions, rule_positions
from triage.floor import LEXICON, LEXICON_PATH, _word_set, service_names
from triage.normalize import BOUNDARIES, Token
from triage.rules import RULESET

EMERGENCY, URGENT = "P1", "P2"
LAYER = "context"
TIME_KINDS = ("past", "planned", "stable", "hypothetical", "none")
KINDS = (*TIME_KINDS, "request", "story")
LABELS = {
    "past": "an event in the past",
    "planned": "something planned",
    "stable": "the patient is stable",
    "hypothetical": "a question about what to do if it happens",
    "none": "no one is ill",
    "request": "a request for information, records or a service",
    "story": "a story from a film, the news or a video, or a joke",
    "seen": "an animal seen, no one bitten",
    "subject": "the subject of a written work, or a form's field ('emergency contact')",
    "after": "an emergency told as the time of something else ('after his stroke') or naming a service ('snake bite ward')",
    "directory": "a request for a service's number ('ambulance ka number') in a message that tells nothing alarming",
}
_P1_RULES = {rule.id for rule in RULESET.rules if rule.priority == EMERGENCY}
_MODIFIERS = {rule.id for rule in RULESET.rules if rule.priority is None}  # pregnant, a child

with LEXICON_PATH.open("rb") as _fh:
    _DATA = tomllib.load(_fh)["context"]
_CUES = {kind: _word_set(_DATA[kind]) for kind in KINDS if kind != "none"}
_ANYONE = _word_set(_DATA["anyone"])
_NEGATORS = RULESET.negate_before | RULESET.negate_after | {"nobody", "no"}
_NOW = _word_set(_DATA["now"])
_PRESENT = _word_set(_DATA["present"])
_PERSONS = _word_set(_DATA["persons"])
_TOPIC = _word_set(_DATA["topic"])
_YEAR = re.compile(r"(19|20)\d\d")  # "a heart attack in 2019": an event in the past
_HABITUAL = tuple(_word_set(_DATA["habitual_endings"]).words)
_NOT_HABITUAL = _word_set(_DATA["not_habitual"]).words
_PAST_VERBS = _word_set(_DATA["past_verbs"])
_CONTRAST = _word_set(_DATA["contrast"]).words
_CONTRAST_AFTER_VERB = _word_set(_DATA["contrast_after_verb"]).words
_AND = _word_set(_DATA["conjunctions"]).words
_FINITE = _word_set(_DATA["finite"]).words | _PAST_VERBS.words | _PRESENT.words
_SEEKING = _word_set(_DATA["seeking"])
_NOW_OF_PURPOSE = _word_set(_DATA["now_of_purpose"]).words
_RIGHT_NOW = _word_set(["abhi", "अभी", "ابھی", "ਹੁਣੇ", "hune", "এখনই"]).words
_NOW_OF_IF = _word_set(_DATA["now_of_if"]).words
_PAST_ENDINGS = tuple(_word_set(_DATA["past_verb_endings"]).words)
_ARTICLE = "the"  # the English article, and the romanised "the" of "aaye the": a past verb only after a participle
_PARTICIPLE = ("te", "ye", "ae", "ue", "he")  # "padte the", "aaye the", "hue the", "pahunche the"
PLEA_RULES = frozenset(_DATA["plea_rules"])
_WORKS = _word_set(_DATA["works"])
_ABOUT_BEFORE = _word_set(_DATA["about_before"]).words
_ABOUT_AFTER = _word_set(_DATA["about_after"]).words
_ABOUT_BOTH = _word_set(_DATA["about_and_and"]).words
_NOT_PLEA = _word_set(_DATA["not_plea"])
_ED_NOT_AFTER = _word_set(_DATA["ed_not_after"]).words
_ARTICLES = _word_set(["the", "a", "an"]).words
_NOW_AS_VERB = _word_set(_DATA["now_as_verb"]).words
_LAST = _word_set(_DATA["last"]).words
_RECENT = _word_set(_DATA["recent"]).words
_AFTER_BEFORE = _word_set(_DATA["after_before"]).words
_AFTER_FOLLOWING = _word_set(_DATA["after_following"])
_ASKING = _word_set(_DATA["asking"])
_PERFECTIVE = _word_set(_DATA["perfective"]).words
_WANTING = _word_set(_DATA["wanting"]).words
_WANTING_ENDINGS = tuple(_DATA["wanting_endings"])
_TILL = _word_set(_DATA["till"]).words
_SUMMON = _word_set(_DATA["summon"])
_FINITE_REQUEST = _word_set(_DATA["finite"]).words
_NUMBERS = _word_set(_DATA["numbers"]).words
_HASTE = _word_set(_DATA["haste"]).words
_ANY = _word_set(["koi", "no", "any", "कोई", "ਕੋਈ", "کوئی", "কোনো", "কোন"]).words  # "koi taklif nahi"
_PERFECTIVE_ENDINGS = ("eya", "iya")  # romanised Punjabi "ukhdeya", "digeya"
_SPANS = _word_set(_DATA["spans"]).words
_SINCE_AFTER = _word_set(_DATA["since_after"]).words
_FOR = _word_set(_DATA["for_before"]).words
_FIRST_PERSON = _word_set(_DATA["first_person"]).words
_FIRST_PERSON_AFTER = _word_set(_DATA["first_person_after"]).words
_GOING_ON = _word_set(_DATA["going_on"]).words
_GOING_ON_ENDINGS = ("च्छे", "च्छेन", "च्छि")  # Bengali "হচ্ছে", "নিচ্ছেন" once transliterated
_NAMING_AFTER = _word_set(_DATA["naming_after"]).words
_NAMING_PARTICLES = _word_set(_DATA["naming_particles"]).words
_NAMING_NOT_BEFORE = _word_set(_DATA["naming_not_before"]).words
SIGHTING_RULES = frozenset(_DATA["sighting_rules"])
_BITES = _word_set(_DATA["bites"])
_NOT_NOW = _word_set(_DATA["not_now"])
_UPON = ("par", "pe", "per", "pr", "पर", "ते")  # "saanp ke kaatne par", "ਦੌਰਾ ਪੈਣ ਤੇ", "دورہ پڑنے پر": upon it happening
_OBLIQUE = ("ne", "ने", "णे", "ण")
_INFINITIVE = ("na", "ni", "ना", "नी", "णा", "णी")  # "lagwani hai", "karna hai": something to do


def lower(tokens: list[Token], result: Triage) -> Triage:
    """The result, lowered from P1 to P2 when context covers every reason for the P1; otherwise unchanged."""
    if result.priority != EMERGENCY:
        return result
    norms = [t.norm for t in tokens]
    named = service_names(tokens)
    found = rule_positions(tokens, named)  # every placement of each rule, not only the one its match shows
    explained = _explained(norms, found)  # "an article on suicide", "emergency contact": no patient's state
    storied = _storied(norms, found)  # "film me dekha hero ko goli lagi", "read in the news that ...", "... haha"
    sighted = _sighted(norms, found)  # "saw a snake in the park": no bite told
    for extra in (storied, sighted):
        for rule_id, at in extra.items():
            explained.setdefault(rule_id, set()).update(at)
    found = {rule_id: at - explained.get(rule_id, set()) for rule_id, at in found.items()}
    flags = {i for rule_id, at in found.items() if rule_id in _P1_RULES for i in at}
    modified = {i for rule_id, at in found.items() if rule_id in _MODIFIERS for i in at}  # "garbhvati hai": not habitual
    cues = {kind: _CUES[kind].positions(norms) for kind in KINDS if kind != "none"}
    cues["none"] = _no_one(norms, flags) | set().union(*sighted.values())  # an animal seen: no one is bitten
    cues["past"] |= {i for i, norm in enumerate(norms) if _YEAR.fullmatch(norm)} | _last_of(norms)
    cues["request"] |= (topics := _TOPIC.positions(norms))
    told = _told(norms) | (_told_ed(norms) if cues["past"] else set())
    clause = _clauses(norms)
    model_only = result.layer == "model"  # no rule placed the P1: its words are ones the lexicon may not know
    asking = _asking(norms, clause, told) | _upon(norms, clause, told)
    # a question covers no clause that tells a symptom besides the emergency's own words ("pet me bahut dard aur khoon kis
    # hospital")
    told_symptoms = {clause[i] for i in LEXICON.symptom.positions(norms) if not any(abs(i - j) <= 2 for j in flags)}
    # nor one that names a pregnant woman or a child ("biwi garbhvati hai ... kis hospital"): someone it is happening to
    with_patient = {clause[i] for rule_id, at in found.items() if rule_id in _MODIFIERS for i in at}
    asking = {i for i in asking if clause[i] not in told_symptoms | with_patient}
    cues["request"] |= asking
    after = _after(norms, found, clause)  # "after his stroke": that placement is a time, not a state
    covered = set().union(*cues.values())
    plea_at = {i for rule_id in PLEA_RULES for i in found.get(rule_id, ())}
    if not (covered or told or explained or after or (plea_at and _numbered(norms, plea_at))):
        return result
    seeking = _SEEKING.positions(norms) | asking
    subjects = set().union(*explained.values()) if explained else set()
    symptoms = (LEXICON.symptom.positions(norms) | LEXICON.suddenness.positions(norms)) - subjects
    alarming = {clause[i] for i in symptoms - named}  # not "blood" in "blood bank"
    flagged = alarming | {clause[i] for i in flags}
    purposes = {clause[i] for kind in KINDS if kind != "past" for i in cues[kind] - seeking}
    ifs = {clause[i]: i for i in sorted(cues["hypothetical"], reverse=True)}  # each clause's first "if"
    said_now = {i for i in _NOW.positions(norms)  # not "raat" in "agar raat ko khoon bahne lage"
                if not (norms[i] in _NOW_OF_IF and ifs.get(clause[i], len(norms)) < i)
                and not (norms[i] in _NOW_AS_VERB and i and norms[i - 1] in _PRESENT.words)  # "likh raha hoon"
                and i not in _NOT_NOW.positions(norms)}  # "phir bhi" (even so) is no "again"
    asked_at = {clause[i] for i in cues["request"]}
    # A wish or plan ("ab therapy karwani hai", "chahta hai", "kahan hogi"); a bare future may be a threat ("kood jayega"):
    # it is a wish only beside a request, and so is any wish when the model alone heard the emergency. "Can" beside a
    # negator is an inability ("bol nahi sakta"), not a wish.
    wishes = {i for i, norm in enumerate(norms) if (norm in _WANTING or norm.endswith(_WANTING_ENDINGS) or (
        norm.endswith(_INFINITIVE) and i + 1 < len(norms) and norms[i + 1] in ("hai", "है", "he")))
        and not any(norms[j] in _NEGATORS for j in range(max(0, i - 2), i))}
    wishes = {i for i in wishes if clause[i] in asked_at or not (model_only or norms[i].endswith(_WANTING_ENDINGS))}
    # A present-tense state ("is", "hai", "gaya"), not a question's "hai" ("kahan hota hai", "kab hai"), one after an "if",
    # nor, in a clause with no red flag or symptom, the auxiliary of a wish or a request ("dekhna hai", "chahida hai").
    present = {i for i in _PRESENT.positions(norms) - covered - told if not (
        i and norms[i - 1].endswith(_HABITUAL) and norms[i - 1] not in _NOT_HABITUAL and i - 1 not in flags
        and i - 1 not in modified and clause[i] in asked_at)  # "kahan hota hai"; not "woh kehta hai"
        and not ifs.get(clause[i], len(norms)) < i and not (i and i - 1 in asking)  # "if a student has a seizure", "kab hai"
        and not (i and norms[i - 1] in _FINITE_REQUEST)  # "number chahida hai"
        and not (i and clause[i] not in flagged and (  # (beside a red flag a wish may be the emergency: "marna hai")
            norms[i - 1] in _WANTING or norms[i - 1].endswith(_INFINITIVE)))}
    going = {i for i, norm in enumerate(norms) if i not in covered and i not in told and (
        norm in _GOING_ON or norm.endswith(_GOING_ON_ENDINGS) or (
            norm.endswith("ing") and i and norms[i - 1] in ("is", "are", "am", "hai")))}
    pleas = {clause[i] for rule_id in PLEA_RULES for i in found.get(rule_id, ())}

    # A word of now ("now", "abhi", "aaj", "again", "hun", "এখন") reports the emergency only where it attaches to it. It
    # does not when its clause is calm (no red flag, symptom, verb going on that is not the writer's, plea, or body part
    # beside an event), holds words of its own, and has a purpose (a request or question, a wish or plan, a stable patient,
    # a denial, "till now"), or tells no present state ("kal mausa ji ka dialysis slot"), or, for ab/hun/ਹੁਣ/اب/এখন, sets
    # the present against a past the message names ("2016 ch adhrang hoya si, hun oh 85 de ne"). A "right now" ("abhi",
    # "ਹੁਣੇ", "এখনই"; but "abhi tak", "abhi kahan milega"), a word that summons ("ambulance bhejo") and a "never before" always report it.
    # When the model alone heard the emergency (its words may be ones the lexicon does not know), a clause let off by
    # anything but a request or a wish must not be what made it one: the message without it must still be P1.
    body = LEXICON.body_part.positions(norms) - named
    # the writer's own verb, in a clause with no red flag or symptom ("fehrist bana rahi hoon", "we are organising")
    mine = {i for i in going if clause[i] not in flagged and _first_person(norms, clause, i)}
    events = _events(norms, clause, told)
    # A clause stirs with a red flag (not one that names a service or tells the time of something else: "snake bite vala
    # first aid kit", "after his stroke"), a symptom (not one denied: "ab koi taklif nahi"), a patient's verb going on, a
    # plea, a pregnant woman or child, or a body part beside an event ("gale ch rassi pa layi").
    denied = {i for i in symptoms if i and norms[i - 1] in _ANY and any(
        norms[j] in _NEGATORS and j not in symptoms and clause[j] == clause[i] for j in range(i + 1, min(i + 3, len(norms))))}
    denied |= {i for i in symptoms if clause[i] in {clause[j] for j in cues["none"]}}  # "abhi kisi ko kaata nahi": not yet
    # What follows an event is today's state: a symptom told beside an emergency named as a time ("bleeding from the mouth
    # after the accident", "एक्सीडेंट के बाद मुंह से खून"), in a message that asks, plans, wishes and denies nothing, keeps P1.
    apart = {i for i in symptoms - named - denied if not any(abs(i - j) <= 3 for j in after)}  # not "snake bite ward"
    if after and apart and not (
            wishes or any(cues[kind] for kind in ("request", "planned", "stable", "hypothetical", "none", "story"))):
        return result
    stirring = {clause[i] for i in (flags - after) | (symptoms - named - denied) | modified | (going - mine)} | pleas | (
        {clause[i] for i in body} - (purposes - events))
    denials = {clause[i] for i, norm in enumerate(norms) if norm in _NEGATORS} if not model_only else set()
    tills = {i for i, norm in enumerate(norms) if norm in _TILL}  # "abhi tak nahi mila": a grievance's delay
    asked = purposes | {clause[i] for i in wishes}
    aims = asked | {clause[i] for i in asking | tills} | denials
    said = {clause[j] for j, norm in enumerate(norms) if j not in said_now and norm not in BOUNDARIES}
    # a present state of someone ("ab wo thande hain"; not "kal dialysis slot hai", "2nd dose is due today")
    stated = {clause[i] for i in present} & {clause[i] for i in _PERSONS.positions(norms)}
    steady = {i - k for i in cues["stable"] for k in (1, 2) if i - k >= 0 and norms[i - k] in _NOW_OF_PURPOSE}  # "ab" in
    # "ab sehatmand hain", "now" in "now stable"; never "achanak" (suddenly) before a word of stability
    # (a clause with no purpose of its own that tells an event with its "now" may tell an emergency in words the lexicon
    # does not know: "hun sah ukhdeya")
    happened = {clause[i] for i, norm in enumerate(norms) if i not in told and (
        norm in _PERFECTIVE or (norm.isascii() and norm.endswith(_PERFECTIVE_ENDINGS)) or norm.endswith("िआ"))}
    calm = {c for c in {clause[i] for i in said_now} - stirring if c in said and (
        c in aims or (c not in stated and c not in happened))}
    if model_only:
        calm -= {c for c in calm - asked if not _elsewhere(tokens, clause, c)}
    # a "right now" is a request's only in a clause that asks for something and tells no event ("abhi kahan milega")
    calm_now = {i for i in said_now if clause[i] in calm and (
        norms[i] not in _RIGHT_NOW or i + 1 in tills or clause[i] in (asked | {clause[j] for j in asking}) - events)}
    hasty = {i for i in said_now if norms[i] in _HASTE} if plea_at else set()  # "ambulance ka number, jaldi"
    # A duration ("for the last half hour", "since morning", "do din se", "ਅੱਧੇ ਘੰਟੇ ਤੋਂ", "آدھے گھنٹے سے", "আধ ঘণ্টা ধরে")
    # says what its clause tells is going on now: in a clause with a red flag or a symptom, or with no purpose of its own
    # (", pichhle aadhe ghante se"); not after an "if" ("agar do ghante se zyada rahe"), not in a calm clause with a purpose
    # ("do din se appointment nahi mil raha", "can a doctor talk to the class for 20 min"), and not in a clause told in the
    # past ("was unconscious for 3 days last winter", up to an "and"; "has had ... for an hour" is the present perfect: still going on).
    perfect = {j for i in told if norms[i] in ("had", "been") and i and norms[i - 1] in ("has", "have")
               for j in range(i - 2, i + 1) if j in told}  # ("he" folds to "hai": "he has had" is told as one verb)
    within = _clauses(norms, every_and=True)  # "last year he had a stroke and since morning he cannot speak": two parts
    then = {within[i] for i in (told - perfect) | cues["past"]}
    ongoing = {i for i in _lasting(norms, clause) if not ifs.get(clause[i], len(norms)) < i
               and within[i] not in then and (clause[i] in stirring or clause[i] not in aims)}
    if _SUMMON.positions(norms) or novel_positions(tokens) or ongoing or hasty or said_now - covered - told - steady - calm_now:
        return result
    # A past verb covers its clause only beside a routine purpose (not a plea's), and with no word of now but a calm
    # "now", "ab", "hun", "এখন" beside a request, a plan or an "if" elsewhere: "bachcha doob gaya tha, stable now" and
    # "papa behosh ho gaye the, kal ki report chahiye" may be today.
    purpose = purposes - pleas
    routine = purpose - {clause[i] for i in cues["stable"]}
    plain_now = {i for i in said_now - covered - steady if norms[i] not in _NOW_OF_PURPOSE or norms[i] in _RIGHT_NOW}
    told_clauses = {clause[i] for i in told} if purpose and not plain_now and (routine or not said_now) else set()
    timed = any(cues[kind] for kind in TIME_KINDS)
    time_clauses = {clause[i] for kind in TIME_KINDS for i in cues[kind]}
    persons = {clause[i] for i in _PERSONS.positions(norms) if i + 1 not in topics}  # not "our" in "our NGO"
    request_clauses = {clause[i] for i in cues["request"] - topics} - persons  # a request about no one in particular
    # A topic (training, a camp, a poster) covers only its own part of a clause, up to an "and": "awareness camp chal raha
    # hai aur ek aadmi behosh ho gaya hai" is an emergency at the camp.
    part = _clauses(norms, split_and=True)
    topic_parts = {part[i] for i in topics if clause[i] not in persons}
    # red flags, symptoms and the words of any rule or modifier ("ਉਮੀਦ ਨਾਲ", pregnant): a verb nearer one is a patient's
    alarms = (flags | symptoms | modified) - named
    on_topic = {i for i in alarms if part[i] in topic_parts}
    cue_clauses = time_clauses | request_clauses | told_clauses | {clause[i] for i in cues["story"]}
    # A verb going on ("paseene chhoot rahe", "ho raha hai") beside a symptom, or in a clause that no word of context covers,
    # keeps the P1 wherever its phrase sits; not a topic's verb ("quiz bana rahi hai", "camp chal raha hai").
    # The verbs of a writer: in a clause naming a written work, nearer it than any red flag or symptom (or with none).
    work_at = _WORKS.positions(norms)  # "main suicide par lekh likh raha hoon", "beti saanp ke katne par quiz bana rahi hai"
    written = {clause[i] for i in work_at}
    writers = {i for i in range(len(norms)) if clause[i] in written and (
        not any(clause[j] == clause[i] for j in alarms) or _nearer(i, work_at, alarms, clause))}
    going_at = {i for i in going - writers - mine if not (part[i] in topic_parts and _nearer(i, topics, alarms, part))}
    asked_clauses = {clause[i] for i in cues["request"] | wishes | cues["stable"]}
    if {clause[i] for i in going_at} & (flagged | ({*clause} - cue_clauses - asked_clauses)):
        return result
    # a verb beside a topic is the topic's ("we are making a poster"); one nearer a red flag or a symptom is a patient's
    # ("awareness camp me ek aurat ko daura pad raha hai"); a writer's is the writer's ("mauton par lekh likh raha hoon")
    present_clauses = {clause[i] for i in present - writers
                       if not (part[i] in topic_parts and _nearer(i, topics, alarms, part))}
    if alarming & present_clauses - cue_clauses:  # a symptom told in the present, in a clause no context covers ("he is cold")
        return result

    # A plea named as a service's number ("ambulance ka number", "ਐਂਬੂਲੈਂਸਾਂ ਦੇ ਨੰਬਰ", "অ্যাম্বুলেন্সের নম্বর") asks for a
    # directory when the message tells nothing else alarming (no other red flag, symptom, verb going on, present state
    # of someone) and has a purpose in a clause of its own (a request about no one, a plan, a stable patient, "if") or
    # says no one is ill ("ਕਿਸੇ ਨੂੰ ਸੱਟ ਨਹੀਂ ਲੱਗੀ, ਬੱਸ ਨੋਟਿਸ ਬੋਰਡ ਲਈ ਐਂਬੂਲੈਂਸ ਦਾ ਨੰਬਰ ਚਾਹੀਦਾ"); not a bare wish ("hospital le jana hai").
    others = {i for rule_id, at in found.items() if rule_id in _P1_RULES - PLEA_RULES for i in at}
    denied = {i for i in symptoms if clause[i] in {clause[j] for j in cues["none"]}}  # "kisi ko chot nahi lagi"
    quiet = not (others or symptoms - named - denied or going - mine or stated) and bool(
        (request_clauses | time_clauses | denials) - pleas)

    directory = False

    def covered_at(at: set[int], clauses: set[int]) -> bool:
        return all(clause[i] in clauses or i in on_topic or i in after for i in at)

    for match in result.matched:
        if match.layer == "model" and match.rule_id == "model_P1":
            if not (timed or told_clauses or ((request_clauses or topic_parts) and not present_clauses and not persons)):
                return result
            if flagged & present_clauses - time_clauses or not covered_at(symptoms - named, cue_clauses):  # told now, or without context
                return result
        elif match.layer not in ("rule", "floor", "model"):  # a layer this one does not know of: its P1 stays
            return result
        elif match.layer == "rule" and match.rule_id in _P1_RULES:  # (the floor raises to P3 at most)
            where = {clause[i] for i in found.get(match.rule_id, ())}
            if not where and explained.get(match.rule_id):  # every placement is a work's subject or a form's field
                continue
            if not where or where & present_clauses:  # a phrase not placed is never explained away
                return result
            if match.rule_id in PLEA_RULES:
                directory = quiet and _numbered(norms, found[match.rule_id])
                if not (timed or covered_at(found[match.rule_id], request_clauses | told_clauses) or directory):
                    return result
            elif not covered_at(found[match.rule_id], cue_clauses):
                return result
    if told_clauses:
        cues["past"] |= told
        covered |= told
    kinds = [kind for kind in KINDS if cues[kind]] + ["seen"] * bool(sighted) + ["subject"] * bool(
        subjects - set().union(*storied.values(), *sighted.values())) + ["after"] * bool(after) + ["directory"] * directory
    covered |= subjects | after | (plea_at if directory else set())
    why = Match(
        f"context_{kinds[0]}",
        "context: " + "; ".join(LABELS[k] for k in kinds) + " - not an emergency by itself (P1 to P2)",
        tuple(tokens[i].text for i in sorted(covered))[:12],
        layer=LAYER,
    )
    return dataclasses.replace(
        result, priority=URGENT, matched=(why, *result.matched), layer=LAYER,
        lowered_from=EMERGENCY, raised_by=result.layer,
        rules_priority=result.rules_priority or result.priority,
    )  # fmt: skip


def _storied(norms: list[str], found: dict[str, set[int]]) -> dict[str, set[int]]:
    """Per P1 rule, its placements in a part of a clause (up to an "and") that names a film, the news or a video ("film me",
    "in the news", "খবরে") or laughs at a joke ("haha"): a story, not a patient."""
    part = _clauses(norms, split_and=True)
    parts = {part[i] for i in _CUES["story"].positions(norms)}
    out = {rule_id: {i for i in at if part[i] in parts} for rule_id, at in found.items() if rule_id in _P1_RULES}
    return {rule_id: at for rule_id, at in out.items() if at}


def _sighted(norms: list[str], found: dict[str, set[int]]) -> dict[str, set[int]]:
    """The placements of a rule that names an animal ("snake", "ਸੱਪ") in a message that tells no bite, or only a denied one
    ("kisi ko kaata nahi", "nobody bitten", "কামড়ায়নি"): an animal seen."""
    def denied(i: int) -> bool:
        near = [norms[j] for j in (*range(max(0, i - 2), i), *range(i + 1, min(i + 3, len(norms))))]
        return any(n in _NEGATORS for n in near) or norms[i].endswith("नि")  # Bengali "-নি": did not
    if any(not denied(i) for i in _BITES.positions(norms)):
        return {}
    return {rule_id: set(at) for rule_id, at in found.items() if rule_id in SIGHTING_RULES and at}


def _numbered(norms: list[str], at: set[int]) -> bool:
    """Whether every placement of a plea names a number ("ambulance ka number", "অ্যাম্বুলেন্সের নম্বর")."""
    def numbered(last: int) -> bool:
        j = last + 1 + (last + 1 < len(norms) and norms[last + 1] in _NAMING_PARTICLES)
        return j < len(norms) and norms[j] in _NUMBERS
    return all(numbered(last) for _, last in _runs(at))


def _first_person(norms: list[str], clause: list[int], i: int) -> bool:
    """Whether the verb going on at i is the writer's: "I"/"we" up to four words before it in its clause ("we are
    organising", "main pooch raha"), or "hoon" just after it ("bana rahi hoon")."""
    before = any(norms[j] in _FIRST_PERSON and clause[j] == clause[i] for j in range(max(0, i - 4), i))
    return before or (i + 1 < len(norms) and norms[i + 1] in _FIRST_PERSON_AFTER and norms[i + 1] not in ("hain", "हैं", "ہیں"))


def _elsewhere(tokens: list[Token], clause: list[int], number: int) -> bool:
    """Whether the layers that raise still find an emergency in the message without this clause: the clause is not
    what made it one (the model's P1 on "2019 ch adhrang hoya si, hun sah ukhdeya" rests on "hun sah ukhdeya")."""
    from triage.safety import raised  # (safety runs this layer: imported when first needed)

    rest = [t for i, t in enumerate(tokens) if clause[i] != number]
    return raised(rest).priority == EMERGENCY


def _last_of(norms: list[str]) -> set[int]:
    """"Last" and the word after it when that word is not recent or a count ("pichhli Holi", "last Diwali"; not "last
    night", "pichhle do din", "for the last half hour")."""
    return {j for i, norm in enumerate(norms[:-1]) if norm in _LAST and norms[i + 1] not in _RECENT
            and norms[i + 1] not in BOUNDARIES and not norms[i + 1].isdigit() for j in (i, i + 1)}


def _lasting(norms: list[str], clause: list[int]) -> set[int]:
    """Positions of a span of time told as a duration: "se", "ton", "ধরে" just after it ("do din se", "ਅੱਧੇ ਘੰਟੇ ਤੋਂ",
    "আধ ঘণ্টা ধরে", "subah se"), or "for", "since", "past" up to four words before it in its clause ("for the last half
    hour", "since 2 days", "past 20 mins"; not "last night": a word of now of its own)."""
    out = set()
    for i, norm in enumerate(norms):
        if norm not in _SPANS:
            continue
        if i + 1 < len(norms) and norms[i + 1] in _SINCE_AFTER:
            out |= {i, i + 1}
        out |= {i for j in range(max(0, i - 4), i) if norms[j] in _FOR and clause[j] == clause[i]}
    return out


def _asking(norms: list[str], clause: list[int], told: set[int]) -> set[int]:
    """Positions of a question word ("kis", "ਕਿਹੜਾ", "কবে") in a clause with no verb of an event ("kitni goliyan kha li")."""
    events = _events(norms, clause, told)
    return {i for i in _ASKING.positions(norms) if clause[i] not in events}


def _events(norms: list[str], clause: list[int], told: set[int]) -> set[int]:
    """Clauses that tell an event: a perfective verb ("kha li"), a verb told in the past, an English "-ed" ("tried")."""
    return {clause[i] for i, norm in enumerate(norms) if norm in _PERFECTIVE or (
        norm.isascii() and len(norm) >= 4 and norm.endswith("ed"))} | {clause[i] for i in told}


def _upon(norms: list[str], clause: list[int], told: set[int]) -> set[int]:
    """Positions of "upon it happening" ("saanp ke kaatne par", "ਦੌਰਾ ਪੈਣ ਤੇ", "দুর্ঘটনা হলে" is an "if") in a clause with no verb
    of an event: a question about what to do, covering (like a question word) only a clause that names no one."""
    events = _events(norms, clause, told)
    return {j for i, norm in enumerate(norms[:-1]) if norm.endswith(_OBLIQUE) and not norm.endswith("one") and len(norm) > 3
            and norms[i + 1] in _UPON
            and (norms[i + 1] != "ते" or norm.endswith("ण")) and clause[i] not in events for j in (i, i + 1)}


def _after(norms: list[str], found: dict[str, set[int]], clause: list[int]) -> set[int]:
    """Positions of a P1 placement told as a time: "after" up to three words before it, or "ke baad" just after it, in its
    clause ("after my brother's overdose", "stroke ke baad", "স্ট্রোকের পরে")."""
    following = _AFTER_FOLLOWING.positions(norms)
    out: set[int] = set()
    for rule_id, at in found.items():
        if rule_id not in _P1_RULES:
            continue
        for first, last in _runs(at):
            before = any(norms[j] in _AFTER_BEFORE and clause[j] == clause[first] for j in range(max(0, first - 3), first))
            if before or last + 1 in following or _names(norms, last):
                out |= set(range(first, last + 1))
    return out


def _names(norms: list[str], last: int) -> bool:
    """Whether the placement ending at `last` names a kind of service, place or person ("snake bite ward", "mirgi ke
    patient", "दौरे पड़ने वाले मरीज़ों"), and is not "about to" ("behosh hone wala hai")."""
    j = last + 1 + (last + 1 < len(norms) and norms[last + 1] in _NAMING_PARTICLES)
    if j + 1 < len(norms) and norms[j + 1] in _NAMING_AFTER and not _verb_or_person(norms[j]):  # "snake bite ward"
        j += 1
    j += j < len(norms) and norms[j] in ("hone", "होने", "pane", "padne", "पड़ने", "पडने") and j + 1 < len(norms) and norms[j + 1] in _NAMING_AFTER
    return j < len(norms) and norms[j] in _NAMING_AFTER and not (j + 1 < len(norms) and norms[j + 1] in _NAMING_NOT_BEFORE)


def _verb_or_person(norm: str) -> bool:
    return (norm in _PRESENT.words or norm in _PAST_VERBS.words or norm in _PERFECTIVE or norm in _GOING_ON
            or norm in _PERSONS.words or norm in _WANTING or norm in BOUNDARIES)


def _no_one(norms: list[str], flags: set[int]) -> set[int]:
    """Positions of "no one" ("kisi ko ... nahi", "nobody", "কারো ... নেই"): an "anyone" word and a negator after it,
    not a negator of a red flag's own phrase ("kisi cheez ka hosh nahi" is a patient who is not aware)."""
    clause, at = _clauses(norms), set()
    for i in sorted(_ANYONE.positions(norms)):
        negators = [j for j in range(i, len(norms)) if clause[j] == clause[i] and norms[j] in _NEGATORS]
        if set(negators) & flags:
            continue
        if negators:
            at |= {i, negators[0]}
    return at


def _runs(at: set[int]) -> list[tuple[int, int]]:
    """Runs of consecutive positions, as (first, last)."""
    runs: list[tuple[int, int]] = []
    for i in sorted(at):
        if runs and i == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _explained(norms: list[str], found: dict[str, set[int]]) -> dict[str, set[int]]:
    """Per P1 rule, the positions of its placements that are a written work's subject ("an article on suicide",
    "suicide par lekh", "saanp ke katne par": up to three words after the placement) in a clause naming a work, or that sit inside "emergency contact" (a plea's only)."""
    clause, works, not_plea = _clauses(norms), _WORKS.positions(norms), _NOT_PLEA.positions(norms)
    part = _clauses(norms, split_and=True)
    out: dict[str, set[int]] = {}
    for rule_id, at in found.items():
        if rule_id not in _P1_RULES:
            continue
        for first, last in _runs(at):
            span = set(range(first, last + 1))
            before = first - 1 - (first > 1 and norms[first - 1] in _ARTICLES)  # "on the suicide helpline"
            after = [j for j in range(last + 1, last + 4) if j < len(norms) and norms[j] in _ABOUT_AFTER]  # "saanp ke katne par"
            # the work names its subject: "article on suicide" (the work just before "on"), "suicide par ek lekh" (just after
            # "par"), in one clause; never a work told before a phrase with a "par" after it ("quiz banayi te hikk te bhar")
            subject = (before >= 0 and norms[before] in _ABOUT_BEFORE and _near(works, before, -1, clause)) or any(
                _near(works, j, 1, clause) for j in after[:1]) or any(  # "project kar rahe hain heart attack par"
                norms[j] not in _ABOUT_BOTH and any(part[w] == part[first] and w < first for w in works) for j in after[:1])
            if subject or (rule_id in PLEA_RULES and span <= not_plea):
                out.setdefault(rule_id, set()).update(span)
    return out


def _near(works: set[int], at: int, step: int, clause: list[int]) -> bool:
    """A work word within three words of `at`, before it (step -1) or after it (step 1), in its clause."""
    return any(0 <= at + k * step < len(clause) and at + k * step in works and clause[at + k * step] == clause[at]
               for k in (1, 2, 3))


def _told_ed(norms: list[str]) -> set[int]:
    """English verbs in "-ed" ("collapsed"), not "-eed" ("bleed") and not after "has", "is", "just" (now)."""
    return {i for i, norm in enumerate(norms) if len(norm) >= 5 and norm.isascii() and norm.endswith("ed")
            and not norm.endswith("eed") and not (i and norms[i - 1] in _ED_NOT_AFTER)}


def _told(norms: list[str]) -> set[int]:
    """Positions of past verbs ("tha", "था", "ਸੀ", "تھا", "...ছিল") and the verb words just before them ("ho gaya tha")."""
    told = set()
    for i, norm in enumerate(norms):
        article = norm == _ARTICLE and not (i and (norms[i - 1] in _PRESENT.words or norms[i - 1].endswith(_PARTICIPLE)))
        if (norm in _PAST_VERBS.words or norm.endswith(_PAST_ENDINGS)) and not article:
            told.add(i)
            j = i - 1
            while j >= 0 and j >= i - 2 and norms[j] in _PRESENT.words:
                told.add(j)
                j -= 1
    return told


def _nearer(i: int, topics: set[int], alarms: set[int], part: list[int]) -> bool:
    """Whether the word at i is nearer a topic than any red flag or symptom of its part of the clause (a part with none
    that the lexicon knows, where the model alone heard an emergency, is never the topic's)."""
    def distance(at: set[int]) -> int:
        return min((abs(j - i) for j in at if part[j] == part[i]), default=-1)
    return 0 <= distance(topics) < distance(alarms)


def _clauses(norms: list[str], split_and: bool = False, every_and: bool = False) -> list[int]:
    """Clause number per word: a comma, a full stop or a "but" ("aaye the par mummy behosh ho gayi") starts a new clause;
    with split_and, so does an "and" not followed by a verb ("a camp and a man has collapsed"; not "and is stable"), and
    with every_and, every "and" ("he" folds to "hai": "had a stroke and he has had chest pain")."""
    numbers, current = [], 0
    for i, norm in enumerate(norms):
        after_verb = i > 0 and (norms[i - 1] in _FINITE or norms[i - 1].endswith(_PAST_ENDINGS))
        joined = norm in _AND and (every_and or split_and and not (i + 1 < len(norms) and norms[i + 1] in _PRESENT.words))
        current += norm in BOUNDARIES or norm in _CONTRAST or joined or (norm in _CONTRAST_AFTER_VERB and after_verb)
        numbers.append(current)
    return numbers
