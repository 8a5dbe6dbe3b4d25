"""The scope guard: Watchword takes reports of acts, never reports of who someone is.

In scope: a concrete act directed at the reporter or the organisation —
asked for information, data or access; offered money, gifts, trips or a job;
sent a link or a file; left a device; photographed a site; followed someone;
tried to get in. That stays true when the report also mentions the person's
nationality, faith or origin: the act is assessed, the rest is ignored.

Out of scope: a report with no such act whose basis is who someone is
(nationality, ethnicity, origin, religion), what they believe or lawfully say
or do (politics, protests), whom they associate with, or how they look, speak
or pray. The reporter is told so kindly and plainly, and such a report is
never linked into campaigns (DESIGN.md, taxonomy).

Also out of scope: every request to check, watch, vet or investigate a person
("please check this person", "I just have a feeling about him") that describes
no act done to the reporter.

Needs detail: neither an act nor such a basis can be read ("something odd
happened, call me"). Never silently in scope, never typed benign: the reporter
is asked one plain question, NEEDS_DETAIL_QUESTION, and the analyst sees the
report as needing detail.

Emails are in scope by default: something was sent to the reporter.

The decision itself is made by `reading.read` (acts and basis, six languages),
which `classify` has already run; this stage turns it into the words the
reporter and the analyst see.
"""

from __future__ import annotations

from collections.abc import Callable

from watchword.analysis.learnedscope import read_report
from watchword.analysis.lexicon import Tokens, word_set
from watchword.analysis.reading import Reading
from watchword.domain import ApproachType, Document, Scope
from watchword.translation import N_

# Grounds that are never, on their own, a reason for a report. Word lists in
# the languages the reporters use; a match only matters when no act is described.
_GROUNDS: dict[str, frozenset[str]] = {
    "origin": word_set(
        "russian russians chinese iranian iranians korean arab arabs arabic jewish israeli palestinian turkish "
        "kurdish syrian afghan pakistani indian african nigerian asian latino hispanic mexican cuban venezuelan "
        "ukrainian belarusian polish romanian albanian serbian chechen uyghur tibetan vietnamese foreign "
        "foreigner foreigners immigrant immigrants refugee refugees migrant migrants nationality ethnic "
        "ethnicity origin origins roma passport russe russes chinois chinoise ruso rusa chino china russo "
        "cinese russisch russischer russe chinesisch chinese iranien iraní iraniano ausländer ausländerin "
        "étranger étrangère extranjero extranjera estrangeiro estrangeira straniero straniera buitenlander "
        "russia iran north"
    ),
    "faith": word_set(
        "church mosque synagogue temple pray prays praying prayer prayers religious religion orthodox catholic "
        "protestant islam islamic muslim muslims jew hindu buddhist sikh christian faith hijab headscarf turban "
        "kippah veil imam priest rabbi ramadan kirche moschee synagoge église mosquée synagogue iglesia "
        "mezquita igreja mesquita chiesa moschea kerk moskee betet reza prie"
    ),
    "politics": word_set(
        "protest protests protesting protester demonstration demonstrations rally rallies activist activists "
        "activism political politics communist socialist nationalist party vote votes voted petition opinion "
        "opinions views leftist conservative liberal anarchist marxist manifestación manifestation "
        "manifestação demo demos demonstration partei partido partito parti kundgebung"
    ),
    "associations": word_set(
        "friends friend associates associate relatives cousin cousins married wife husband girlfriend "
        "boyfriend hangs socialises socializes diaspora community freunde amis amigos amici vrienden"
    ),
    "appearance": word_set(
        "speaks speaking spoke language accent looks appearance dressed dresses wears beard skin clothes "
        "habla fala parle spricht parla spreekt"
    ),
}
# Marked for translation: services/guidance.py tells the reporter the same in their language.
GROUND_WORDS = {
    "origin": N_("nationality or origin"),
    "faith": N_("faith or religious practice"),
    "politics": N_("political views or lawful activity"),
    "associations": N_("friends, family or associations"),
    "appearance": N_("appearance or language"),
}
THANK_YOU = N_("Thank you for telling us.")
ABOUT_GROUNDS = N_(
    "This report is about someone's %(grounds)s, which on its own is never a reason for suspicion, "
    "so we will not follow it up."
)
ABOUT_A_PERSON = N_(
    "This report asks us to look into a person, but does not describe anything they did to you, "
    "so we will not follow it up."
)
NO_ACT = N_(
    "This report does not describe anything that was done to you or to the organisation, so we will not follow it up."
)
WHAT_WE_LOOK_AT = N_(
    "Watchword looks at what people do — asking for information or access, offering money, gifts or jobs, "
    "sending links or files, leaving devices, taking photos, trying to get in — not at who they are. If "
    "something like that happened, please send a new report describing it."
)
EITHER = N_("%(first)s or %(second)s")


def grounds_in(text: str) -> list[str]:
    """Which protected grounds the text mentions, in a fixed order."""
    words = Tokens(text).words
    return [name for name, vocab in _GROUNDS.items() if words & vocab]


def out_of_scope_explanation(grounds: list[str], about_a_person: bool, _: Callable[[str], str] = str) -> str:
    """Why a report is turned away, for the reporter; `_` translates (English by default)."""
    if grounds:
        named = _(GROUND_WORDS[grounds[0]])
        for ground in grounds[1:3]:
            named = _(EITHER) % {"first": named, "second": _(GROUND_WORDS[ground])}
        basis = _(ABOUT_GROUNDS) % {"grounds": named}
    elif about_a_person:
        basis = _(ABOUT_A_PERSON)
    else:
        basis = _(NO_ACT)
    return " ".join((_(THANK_YOU), basis, _(WHAT_WE_LOOK_AT)))


def explanation_parts(scope_reason: str) -> tuple[list[str], bool]:
    """The grounds and basis an out-of-scope reason (as `guard_scope` wrote it) was made from,
    so that it can be told again in another language."""
    grounds = [g for g, words in GROUND_WORDS.items() if f"{words}," in scope_reason or f"{words} or" in scope_reason]
    return grounds, "asks us to look into a person" in scope_reason


def _out_of_scope_reason(grounds: list[str], read_basis: str = "") -> str:
    return out_of_scope_explanation(grounds, read_basis.startswith("the report asks about a person"))


NEEDS_DETAIL_QUESTION = N_("What did they do or ask you for?")


def guard_scope(doc: Document) -> None:
    if doc.kind == "email":
        doc.scope = Scope.IN_SCOPE
        doc.scope_reason = "A message was sent to the reporter: in scope."
        return
    reading = doc.reading if isinstance(doc.reading, Reading) else read_report(doc.text_input, doc.form, doc.answers)
    doc.scope = reading.scope
    if reading.scope == Scope.IN_SCOPE:
        doc.scope_reason = f"In scope: {reading.scope_reason}."
        return
    if reading.scope == Scope.OUT_OF_SCOPE:
        grounds = grounds_in(doc.text_input)
        doc.scope_reason = _out_of_scope_reason(grounds, reading.scope_reason)
        doc.approach_type = ApproachType.BENIGN
        doc.also_types = []
        doc.risk = 0.0
        doc.reasons = [f"out of scope: {reading.scope_reason}"]
        return
    doc.scope_reason = (
        "Needs detail: the report does not yet say what was done or asked for, so it is neither "
        f'accepted nor turned away. The reporter is asked: "{NEEDS_DETAIL_QUESTION}"'
    )
    if not doc.reasons:
        doc.reasons = ["needs detail: no act (asked for, offered, sent, left, followed, threatened) is described yet"]
