"""The scope of a report read as acts: in scope, out of scope or needs detail.

reading.py finds the acts and their types; this module decides from them and from the basis
wording (data/basis.toml: a request to watch someone, a feeling, a nationality, faith or party, the
reporter or the organisation as an act's object, someone of the reporter's own circle) whether an
act was done to the reporter or the organisation, or whether the report rests on who someone is or
asks to look into a person. See `decide_scope`.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import TYPE_CHECKING

from watchword.analysis.phrasematch import Hit
from watchword.analysis.reading_text import (
    basis_hit,
    concessive,
    negated,
    opened_by_after,
    quote,
    quoted_spans,
    sentence_starts,
)
from watchword.domain import ApproachType, Scope

if TYPE_CHECKING:
    from watchword.analysis.reading import BasisSpec, Lexicons, Reading

A = ApproachType
# An act counts as described when its score reaches this (one cue of a 2.0 act).
ACT_THRESHOLD = 2.0
# With a request to watch a person, or a mere feeling about one, an act must be read
# clearly to keep the report in scope: one strong act (a code asked for, a file sent, a
# device, a threat, an offer, a pretence, being followed), or several. Questions alone
# ("she asks a lot about our funding") do not outweigh a request to look into someone.
WATCH_OVERRIDE = 4.0
STRONG_ACT = 2.5
# The weight of the weakest act read (pressure, a claim, a hint of a way in): beside a nationality,
# faith or party alone, such an act makes the report ask for detail rather than be turned away.
WEAK_ACT = 1.0
# ... unless the reporter says nothing was done, or asks, doubts or judges anything about a person:
# then the weak act is told of the person the report is about.
ABOUT_A_PERSON = ("watch", "request", "hedge", "doubt", "feeling", "suspicion", "identify")
# Two weak acts of different kinds count together, less this (1.0 + 1.0 does not reach the threshold).
WEAK_PAIR_DISCOUNT = 0.5
# The acts a reporter may tell of a third person they want looked into ("he asks a lot of
# questions", "she photographs everything", "he gets gifts from the delegation", "he says he is an
# engineer"): without the reporter or the organisation named as their object (`_done_to`) they do not
# outweigh a request to look into someone. The others are done to the organisation by themselves.
ATTRIBUTABLE = frozenset(
    {A.ELICITATION, A.PHYSICAL_APPROACH, A.FAKE_PROFILE_OR_IMPERSONATION, A.INDUCEMENT, A.FAKE_RECRUITMENT}
)

# The pretence acts that show someone posing as another (a fake page or profile, our name used, the
# claimed body's denial), not a mere claim: told of the reporter's circle, they are still done to it.
PRETENCE_SHOWN = frozenset({"impersonation", "our_name", "denied"})

# The grounds a report must never be turned away for (the basis lists' nationality or origin, faith,
# political views or lawful activity). The learned scope reading never sees their words
# (reading._model_input masks them); the rules turn a report away on them only when no act done to the
# reporter is read beside them: they never outweigh one (`decide_scope`, `asked_of_reporter`).
PROTECTED_GROUNDS = ("origin", "faith", "politics")


def decide_scope(reading: Reading, original: str, folded: str, hits: list[Hit], lex: Lexicons) -> None:
    act_score = reading.act_score
    hits = _the_reporters_own(reading, folded, hits)
    if len(reading.scores) > 1 and act_score < ACT_THRESHOLD:
        # Two weak acts of different kinds describe an act together ("no visitor badge" and
        # "said she was there for an interview"): each alone only asks for detail.
        act_score = max(act_score, sum(reading.scores.values()) - WEAK_PAIR_DISCOUNT)
    turned_to = _turned_to_the_reporter(hits, folded)
    # Whether an act read was done to the reporter or the organisation, or is only told of a third
    # person ("he asks a lot of questions", "elle photographie tout"): beside a request to look into
    # someone, only the first keeps a report in scope, unless the act is one that needs no object
    # named (a code asked for, a file sent, a device, a payment, a threat).
    done_to = _done_to(reading, folded, hits)
    reading.done_to = done_to
    reading.asked_of_ours = _asked_of_ours(reading, folded, hits)
    inherent = max((s for t, s in reading.scores.items() if t not in ATTRIBUTABLE), default=0.0)
    if any(a.name in PRETENCE_SHOWN for a in reading.acts):
        # A pretence shown ("a VK page of 'our rector' with his photo; the real rector has no VK")
        # is done to the organisation whoever it wrote to: no habit of someone of its own circle.
        inherent = max(inherent, reading.scores.get(A.FAKE_PROFILE_OR_IMPERSONATION, 0.0))
    # ... and told of someone of the reporter's own circle (`insider`): what a stranger did is how an
    # approach is told ("a visitor asked which suppliers we use. Should I be worried?").
    attributed = not done_to and inherent < STRONG_ACT and basis_hit(hits, "insider") is not None
    if ACT_THRESHOLD > act_score >= 1.0 and turned_to:
        # Someone turned to the reporter ("sent me a link", "m'a appelé") and a weak act came with
        # it (pressure, a claimed identity): together they tell what was done to the reporter.
        act_score = ACT_THRESHOLD
    source = original if len(original) == len(folded) else folded
    watch_hit = basis_hit(hits, "watch")
    if watch_hit is None and basis_hit(hits, "politics") is not None:
        # "Management wants to know who the organisers are", beside a strike, union or protest.
        watch_hit = basis_hit(hits, "identify")
    # Someone turned to the reporter ("emailed me a document", "m'a envoyé un fichier", "прислал
    # мне файл"): "could you check it?", "проверьте его" then ask about what was sent, not about a
    # person. With no act read and no ground named such a report asks for detail.
    contacted = turned_to
    if contacted and act_score < ACT_THRESHOLD and _grounds_hit(hits, lex) is None:
        watch_hit = None
    if watch_hit is None and (act_score < ACT_THRESHOLD or attributed) and not contacted:
        # The reporter's hedge ("should I be worried?") or a request put to us ("can you check",
        # "bitte prüfen", "revisen", "проверьте", "麻烦你们关注") stands for a request to watch a
        # person only when no act is read ("a caller asked for the names of our site managers;
        # can you find out who he really is?" is the approach), and when the report is about
        # someone: "something I want to raise, call me" asks for detail.
        # A question put to us, read by its grammar, counts as a hedge; not beside a pointer to an event
        # the report does not describe ("could someone look into what happened with the visitor? I'd
        # rather explain by phone"), as a request is not (below), unless a ground is named.
        pointer = basis_hit(hits, "vague") is not None and _grounds_hit(hits, lex) is None
        asked = None if pointer else _asked_of_us(hits, folded)
        watch_hit = _about_a_person(basis_hit(hits, "hedge") or asked, hits, lex)
        if watch_hit is None and attributed:
            watch_hit = _about_a_person(basis_hit(hits, "doubt"), hits, lex)
        if watch_hit is None and (basis_hit(hits, "vague") is None or _grounds_hit(hits, lex) is not None):
            # Not beside a pointer to an event the report does not describe ("could someone look
            # into what happened with the visitor? I'd rather explain by phone"): that asks for detail.
            watch_hit = _about_a_person(basis_hit(hits, "request"), hits, lex)
    no_act = basis_hit(hits, "no_act") is not None or (
        act_score < ACT_THRESHOLD and basis_hit(hits, "no_act_weak") is not None
    )
    # A feeling about someone ("I find it suspicious", "he might be a spy") is how reporters tell
    # of an approach too: it stands for a report about a person only when no act is read, or when
    # the reporter says of a lone weak act that nothing was done ("des questions normales").
    weak = act_score < ACT_THRESHOLD or (no_act and act_score < WATCH_OVERRIDE) or attributed
    feeling_hit = basis_hit(hits, "feeling") if weak else None
    if (
        feeling_hit is None
        and not contacted
        and act_score < WATCH_OVERRIDE
        and _habits_of_an_insider(reading, hits, attributed)
    ):
        # The reporter's judgement of someone ("je trouve ça bizarre", "мне кажется, это
        # подозрительно", "我觉得这人靠不住") when the report is about a person and tells only what
        # someone of their own circle does (photographs, asks around) or nothing at all: a feeling
        # about a person. Not beside an offer, a pretence or a file: "my student was offered a paid
        # stay abroad for our data, I find it shady" tells of an approach to the colleague.
        feeling_hit = _about_a_person(basis_hit(hits, "suspicion"), hits, lex)
    said_hit = watch_hit or feeling_hit
    bypassed = basis_hit(hits, "press_bypass") is not None
    # The press office bypassed ("asked me directly, not through our press office", "I'm a
    # journalist"): journalism is not what the report rests on, its acts are read as what they are.
    grounds = [g for g in lex.grounds if basis_hit(hits, g.name) is not None and not (bypassed and g.name == "press")]
    reading.basis = [g.label for g in grounds]
    # A question put through the press office is journalism, not elicitation.
    press = basis_hit(hits, "press_channel") is not None and not bypassed
    # ... its deadline ("gave her outlet and her deadline") is no pressure either.
    if press and {a.name for a in reading.acts} <= {"ask_info", "questions", "claim", "pressure"}:
        act_score = 0.0
    strong = max((reading.scores[t] for t in reading.scores if t != A.ELICITATION), default=0.0)
    # An act done to the reporter ("m'a demandé la liste des ingénieurs", "问我要名单") is the
    # approach, and "can you check who he is?" after it asks about the approacher, not about a
    # person for who they are. Not beside a feeling about someone ("I just have a feeling"), which
    # marks a request about a person whatever they asked, nor when the asker is of the reporter's
    # own circle ("our new colleague asked me ... could you look into her background?"): that is
    # vetting a colleague, which the rules above decide.
    asked_of_reporter = (
        done_to
        and act_score >= ACT_THRESHOLD
        and not no_act
        and not press
        # Not beside journalism or an association named as the report's basis; a nationality, faith or
        # party named beside the act never turns it away ("an Iranian student asked me which lab I
        # work in; can you check him?" is the approach, whoever asked).
        and not [g for g in grounds if g.name not in PROTECTED_GROUNDS]
        and basis_hit(hits, "feeling") is None
        and not _asked_by_an_insider(hits)
    )
    if said_hit is not None:
        # Several described acts of different kinds outweigh it as one strong act does: "asked our
        # guard for the rota" and "the station said they sent nobody" ("... to check the guy"). Not in
        # a request passed on by a manager ("my manager asked me to submit this"): what it tells is
        # told of the person it asks about.
        relayed = basis_hit(hits, "relay") is not None
        # A list, not a generator: see classify.score.
        several = 0.0 if relayed else sum([s for s in reading.scores.values() if s >= ACT_THRESHOLD])
        outweighs = (
            (act_score >= WATCH_OVERRIDE or strong >= STRONG_ACT or several >= WATCH_OVERRIDE)
            and not no_act
            and not attributed
        )
        if outweighs or asked_of_reporter:
            _in_scope(reading, grounds)
            return
        said = quote(source, said_hit.start, said_hit.end)
        reading.basis.insert(0, (lex.watch if watch_hit else lex.feeling).label)
        reading.scope = Scope.OUT_OF_SCOPE
        reading.scope_reason = f'the report asks about a person ("{said}") and describes no act done to you'
        return
    if act_score >= ACT_THRESHOLD and not (no_act and grounds and act_score < WATCH_OVERRIDE):
        _in_scope(reading, grounds)
        return
    # Someone turned to the reporter: beside a nationality, faith or party, ask what they did
    # rather than turn the report away (journalism through the press office is expected contact).
    contacted = contacted and not no_act and basis_hit(hits, "press_channel") is None
    # A manager's request passed on ("my manager asked me to report it here", "领导让我问一下") with
    # no act read: what it passes on is someone's faith, politics or union, told to us to note.
    passed_on = basis_hit(hits, "relay") is not None
    # An act read, however weakly ("sonst bekomme mein Vater Probleme", "stand ohne Besucherausweis
    # im Labortrakt"), beside nothing but a nationality, faith or party, and with no request about a
    # person and no feeling about one (those were decided above): the ground is no basis to turn the
    # report away; it asks what was done.
    weak_act = (
        act_score >= WEAK_ACT
        and not passed_on
        and not no_act
        and all(g.name in PROTECTED_GROUNDS for g in grounds)
        and not any(basis_hit(hits, name) is not None for name in ABOUT_A_PERSON)
    )
    if grounds and (basis_hit(hits, "vague") is None or press or passed_on) and not contacted and not weak_act:
        # A report that points at an event it does not describe ("something odd happened with a
        # foreign client") asks for detail: the origin mentioned beside it is not its basis. Not a
        # request put through the press office: "is there something we should do?" asks about it,
        # nor one passed on by a manager ("... s'il faut faire quelque chose").
        reading.scope = Scope.OUT_OF_SCOPE
        reading.scope_reason = "the report is about " + " or ".join(g.label for g in grounds[:3])
        return
    reading.scope = Scope.NEEDS_DETAIL
    reading.scope_reason = "the report does not yet say what was done or asked for"


# The basis wording that is the reporter's own judgement or request: inside quoted speech beside an
# act read, it is the approacher's ("«... нужно для проверки»", "\"a routine check, nothing to worry
# about\""), not the reporter's. Only speech of some length with act wording of its own: a phrase in
# scare quotes ('asked whether you can "run a check" on him', "\"überprüft\"") is the reporter's
# or their manager's request, quoted.
SPEECH_MIN = 40
SPEECH = frozenset({"watch", "request", "hedge", "doubt", "identify", "feeling", "suspicion", "no_act", "no_act_weak"})
NO_ACT = frozenset({"no_act", "no_act_weak"})
# How far after a contrast an act must be read for the reporter's "nothing happened" before it to be a
# concession ("聚会本身挺正常的。但之后他私下总问我...", "all normal, but then he asked me for ...").
CONCESSION_ACT_REACH = 80


def _the_reporters_own(reading: Reading, folded: str, hits: list[Hit]) -> list[Hit]:
    """The hits without the basis wording that is not the reporter's conclusion: a request or a
    judgement inside quoted speech when an act is read, and "nothing happened" / "挺正常" when a
    contrast follows it and an act is read right after ("the meetings were normal. But afterwards he
    kept asking me ...")."""
    if not reading.scores:
        return hits
    # Where wording of an act read stands (a cue or an asking verb of it): a verb of an act not read
    # ("pay" in "his access to payments") or an object alone concedes no "nothing happened" before it.
    found = {a.name for a in reading.acts}
    acts = [h.start for h in hits if h.owner[0] == "act" and h.owner[1] in found and h.owner[2] in ("cues", "verbs")]  # type: ignore[index]
    spans = [
        (lo, hi)
        for lo, hi in (quoted_spans(folded) if reading.act_score >= ACT_THRESHOLD else [])
        if hi - lo >= SPEECH_MIN and any(lo <= a < hi for a in acts)
    ]
    kept = []
    for h in hits:
        name = h.owner[1] if h.owner[0] == "basis" else ""  # type: ignore[index]
        if name in SPEECH and any(lo <= h.start and h.end <= hi for lo, hi in spans):
            continue
        if name in NO_ACT:
            turn = concessive(folded, h.end)
            if turn >= 0 and any(turn <= a <= turn + CONCESSION_ACT_REACH for a in acts):
                continue
            after = opened_by_after(folded, h.start, h.end)
            if after and any(h.end <= a <= h.end + CONCESSION_ACT_REACH for a in acts):
                continue
        kept.append(h)
    return kept


# What someone of the reporter's own circle may be told to do every day, as habits ("prend des photos
# partout", "всё время расспрашивает"): beside a judgement of them, no act done to the organisation.
HABITS = frozenset({A.PHYSICAL_APPROACH, A.ELICITATION})


def _habits_of_an_insider(reading: Reading, hits: list[Hit], attributed: bool) -> bool:
    """Whether the report tells of someone of the reporter's circle (`insider`) and, of acts, only
    what such a person does as a habit, told of them rather than done to the reporter (`attributed`)."""
    if not reading.scores:
        return basis_hit(hits, "insider") is not None
    return attributed and set(reading.scores) <= HABITS


def _asked_by_an_insider(hits: list[Hit]) -> bool:
    """Whether someone of the reporter's own circle (`insider`) is named before the reporter is named
    as an act's object: the asker ("our new colleague asked me"), not what was asked about ("a man
    asked me for the list of our engineers")."""
    objects = [h.start for h in hits if h.owner[:2] in (("basis", "target"), ("basis", "contact"))]  # type: ignore[index]
    insider = basis_hit(hits, "insider")
    return insider is not None and (not objects or insider.start < min(objects))


def _done_to(reading: Reading, folded: str, hits: list[Hit]) -> bool:
    """Whether the reporter or the organisation is the object of an act read: someone turned to the
    reporter (`contact`, anywhere: "approached me at the fair. He asked ..."), or a sentence in which
    an act was read names them as its object (`target`: "asked me", "m'a proposé", "asked our intern
    for"). Negated wording does not count ("he never asked me for anything", "他没找我问过")."""
    relayed = [(h.start, h.end) for h in hits if h.owner[:2] == ("basis", "relay")]  # type: ignore[index]
    names = {a.name for a in reading.acts}
    starts = sentence_starts(folded)
    sentences = {
        bisect_right(starts, h.start)
        for h in hits
        if h.owner[0] == "act" and h.owner[1] in names and h.owner[2] != "unless"  # type: ignore[index]
    }
    for h in hits:
        kind = h.owner[:2]  # type: ignore[index]
        if kind not in (("basis", "contact"), ("basis", "target")):
            continue
        index = bisect_right(starts, h.start)
        lo = starts[index - 1]
        if negated(folded[lo : h.end], h.start - lo) or any(a < h.end and h.start < b for a, b in relayed):
            continue
        # The object in the report's own language only: English is read in every report, and its
        # "me" is a French reflexive ("je me demandais").
        if kind == ("basis", "contact") or (h.owner[-1] == reading.language and index in sentences):  # type: ignore[index]
            return True
    return False


def _asked_of_ours(reading: Reading, folded: str, hits: list[Hit]) -> bool:
    """Whether, in a sentence where an act was read, the reporter or the organisation is named (`ours`:
    "our designs", "which suppliers we use", "unseren Konstruktionsunterlagen", "que je lui
    transmette") after the act's first wording: the act's object, as "asked about our designs" tells
    it, not its subject ("my colleague asks a lot"). In Chinese, which may put the topic first
    ("我们的图纸他问了好几次"), anywhere in the sentence. Negated wording does not count ("he never
    asked about our work")."""
    # Most readings name neither an act nor the reporter's own: nothing to place in sentences then.
    if not reading.acts or not any(h.owner[:2] == ("basis", "ours") for h in hits):  # type: ignore[index]
        return False
    names = {a.name for a in reading.acts}
    starts = sentence_starts(folded)
    first_act: dict[int, int] = {}
    for h in hits:
        if h.owner[0] == "act" and h.owner[1] in names and h.owner[2] != "unless":  # type: ignore[index]
            index = bisect_right(starts, h.start)
            first_act[index] = min(first_act.get(index, h.start), h.start)
    for h in hits:
        if h.owner[:2] != ("basis", "ours"):  # type: ignore[index]
            continue
        index = bisect_right(starts, h.start)
        if index not in first_act:
            continue
        anywhere = h.owner[-1] == "zh"  # type: ignore[index]
        lo = starts[index - 1]
        if (anywhere or h.start >= first_act[index]) and not negated(folded[lo : h.end], h.start - lo):
            return True
    return False


def _turned_to_the_reporter(hits: list[Hit], folded: str) -> bool:
    """Someone turned to the reporter (`contact`), other than a manager whose request the reporter
    passes on (`relay`: "my manager asked me to pass this on", "m'a demandé de vous transmettre"), and
    not in negated words ("他没找我问过", "he never approached me")."""
    relayed = [(h.start, h.end) for h in hits if h.owner[:2] == ("basis", "relay")]  # type: ignore[index]
    starts: list[int] | None = None
    for h in hits:
        if h.owner[:2] != ("basis", "contact") or any(lo < h.end and h.start < hi for lo, hi in relayed):  # type: ignore[index]
            continue
        starts = starts or sentence_starts(folded)
        lo = starts[bisect_right(starts, h.start) - 1]
        if not negated(folded[lo : h.end], h.start - lo):
            return True
    return False


# Where a question ends ("?", "？"), and what else ends a sentence before it.
_QUESTION_END = re.compile(r"[?？]|[.!。！\n]")
# A question about where to send a report names the place ("is this where I report ...?", "¿lo reporto
# aquí o a sistemas?", "c'est ici qu'on signale ?", "сюда ли писать?", "是在这里报吗？"): it asks about
# the service's channel, not for anything to be done about a person.
_CHANNEL = re.compile(
    r"(?<!\w)(here|where|right place|aqui|donde|ici|hier|wohin|здесь|сюда|куда)(?!\w)|这里|这儿|哪里|哪儿"
)


def _asked_of_us(hits: list[Hit], folded: str) -> Hit | None:
    """A verb of what the service does about a person (`service_verb`: report, check, watch, verify)
    in a sentence that ends in a question mark: a question put to us ("Gehört das gemeldet?",
    "Vous pouvez regarder ?", "是不是应该报一下？"), whatever its wording. Not in quoted speech, nor in
    a question that names the place to report (`_CHANNEL`)."""
    verbs = [h for h in hits if h.owner[:2] == ("basis", "service_verb")]  # type: ignore[index]
    if not verbs:  # the spans of quoted speech are found only when there is a verb to place
        return None
    quoted = quoted_spans(folded)
    for h in verbs:
        end = _QUESTION_END.search(folded, h.end)
        if end is None or end.group() not in "?？" or any(lo <= h.start < hi for lo, hi in quoted):
            continue
        start = max((folded.rfind(c, 0, h.start) for c in ".!?。！？\n"), default=-1) + 1
        if not _CHANNEL.search(folded, start, end.start()):
            return h
    return None


def _grounds_hit(hits: list[Hit], lex: Lexicons) -> Hit | None:
    grounds = {("basis", g.name) for g in lex.grounds}
    return next((h for h in hits if h.owner[:2] in grounds), None)  # type: ignore[index]


def _about_a_person(said: Hit | None, hits: list[Hit], lex: Lexicons) -> Hit | None:
    """A hedge or a request put to us, when the report is about someone: a person (a pronoun, a
    colleague, a neighbour) or a nationality, faith or party."""
    if said is None:
        return None
    about = basis_hit(hits, "person") or _grounds_hit(hits, lex)
    return said if about is not None else None


def _in_scope(reading: Reading, grounds: list[BasisSpec]) -> None:
    reading.scope = Scope.IN_SCOPE
    first = reading.acts[0] if reading.acts else None
    reason = f'the report describes an act ({first.label}: "{first.quote}")' if first else "an act is described"
    if grounds:
        reason += "; " + " or ".join(g.label for g in grounds[:3]) + " plays no part in the assessment"
    reading.scope_reason = reason
