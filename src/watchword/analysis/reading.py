"""Reading a report as acts: who did what to the reporter, in six languages.

A witness writes "he asked me to read out the PIN", "Sie bot mir 500 Euro für ein
Telefonat", "让我把学科评估的内部材料发给他". This module finds the acts in such
words — asked for a code, offered money, sent a file, left a device, followed
someone, threatened, pretended to be someone — and from them:

- the approach type: the strongest act's type is the primary one, the others
  are kept as secondary types (a fake recruiter who asks about the roadmap is
  fake_recruitment, with elicitation beside it);
- the scope: in scope when an act was done to the reporter or the organisation,
  whatever nationality, faith or politics is also mentioned; out of scope when
  the report rests on who someone is, believes or associates with, or asks to
  check, watch or investigate a person, and no act is described; needs detail
  when neither can be read;
- reasons that quote the reporter's own words, so an analyst can check them.

The wording lives in data files (data/acts.toml and acts_done.toml, data/basis.toml), one list per
language and act, as regular-expression fragments matched at word starts on
lower-cased, accent-folded text: a stem like "фотографир" or "uberweis" covers
the inflections. A report is read with the lists of its own language, English,
the two other scripts' and any Latin-script language it holds a stretch of, so
a report that mixes languages, or quotes a message in another one, is read
whole, while a German "Stick" is no act in an English sentence. Chinese has no
spaces: its entries are plain substrings. Nothing downloaded: the reading is a
few compiled regular expressions per act, ~1 ms per report; a small learned model
(typemodel.py) only breaks close calls between the types the acts gave.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from bisect import bisect_right
from collections.abc import Hashable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from watchword.analysis import scopemodel
from watchword.analysis.phrasematch import CJK, Hit, PhraseMatcher, compile_across_scripts, has_cjk
from watchword.analysis.reading_scope import ACT_THRESHOLD, WATCH_OVERRIDE, decide_scope
from watchword.analysis.reading_scope import PROTECTED_GROUNDS as PROTECTED_GROUNDS
from watchword.analysis.reading_text import negated, quote, sentence_starts
from watchword.analysis.reportlang import EXTRA_LANGUAGES as EXTRA_LANGUAGES
from watchword.analysis.reportlang import MAX_CHARS as MAX_CHARS
from watchword.analysis.reportlang import detect_language as detect_language
from watchword.analysis.reportlang import languages_read
from watchword.analysis.typemodel import model as type_model
from watchword.domain import ApproachType, Scope

A = ApproachType
LANGUAGES = ("en", "zh", "de", "es", "fr", "ru")
# The act lexicon, read in this order (one lexicon in two files, each kept readable).
ACT_FILES = ("acts.toml", "acts_done.toml")

# Which described act decides the type when a report shows several. The act that
# carries the harm (a threat; a device; a file to run, a code, a payment) outranks
# the cover it came under (a job offer, a visit, a persona), and the cover outranks
# what is asked or given under it (a gift, questions): a fake recruiter who asks about
# the roadmap is fake_recruitment, a fake director who sends an .exe is
# malware_delivery. A scam story (a prize, an investment, "Hi Mum") decides over the
# fee, link or transfer it asks for. The steps (about one act's weight) are wider
# than the extra a repeated wording adds, so a report that repeats its questions
# stays typed by its cover; a weak act (below ACT_THRESHOLD) gets no precedence.
# The blind evaluation set's labels follow this order: of 37 reports with a persona
# and questions, 34 are typed by the persona; of 31 with a persona and a payment,
# 30 by the payment.
_PRECEDENCE: dict[ApproachType, float] = {
    A.EXTORTION: 7.0,
    A.TECHNICAL_SURVEILLANCE: 6.0,
    A.MALWARE_DELIVERY: 5.6,
    A.CREDENTIAL_PHISHING: 5.4,
    A.INVOICE_OR_PAYMENT_FRAUD: 5.2,
    A.FAKE_RECRUITMENT: 4.0,
    A.SCAM_OR_SPAM: 6.5,
    A.INDUCEMENT: 3.0,
    A.PHYSICAL_APPROACH: 2.4,
    A.FAKE_PROFILE_OR_IMPERSONATION: 1.8,
    A.ELICITATION: 1.2,
}
# Which types each guided form is about: its context tips a close call.
FORM_TYPES: dict[str, tuple[ApproachType, ...]] = {
    "email": (A.CREDENTIAL_PHISHING, A.MALWARE_DELIVERY, A.INVOICE_OR_PAYMENT_FRAUD, A.SCAM_OR_SPAM),
    "social": (A.FAKE_PROFILE_OR_IMPERSONATION, A.FAKE_RECRUITMENT),
    "in_person": (A.ELICITATION, A.INDUCEMENT),
    "device": (A.TECHNICAL_SURVEILLANCE,),
    "visitor": (A.PHYSICAL_APPROACH,),
}
FORM_BONUS = 0.6
# A form about one type (the visitor form: someone got in or tried; the device form) names the act
# itself: its bonus counts towards a described act, so "no badge, wandering the third floor" (a weak
# act, 1.5) beside questions is the physical approach the reporter chose the form for. Of the 97
# visitor-form reports of the tuning half with a physical act and questions or a pretence, 94 are
# labelled physical_approach (docs/benchmarks.md, "Fifteenth round (reading15t)").
FORM_DESCRIBES = 1
# On the in-person form ("Someone approached me in person") how the person came near — followed the
# reporter to the car park, posed as a journalist — is the cover, and what was asked for or offered
# decides: such a type counts like an outranked one (up to the threshold, no precedence) once the
# form's own types are described. Of the 34 in-person reports with questions and a physical act or a
# pretence, 32 are labelled elicitation (22 authors); through every other form the physical act or
# the pretence decides, as its precedence says.
FORM_COVERS_ON = 1
FORM_COVERS: dict[str, set[ApproachType]] = {"in_person": {A.PHYSICAL_APPROACH, A.FAKE_PROFILE_OR_IMPERSONATION}}
# Types whose rank comes within this of the first are a close call: the learned tie-breaker
# (typemodel.py) chooses among them. On folds the rules were never tuned on it turned 80 -> 83
# and 77 -> 81 of 99 right; on the tuned authors it changed nothing or one (docs/benchmarks.md).
# Kept at 1.5 in the fourteenth round, where two cross-validations disagreed: reading14's two folds (AE+AF,
# AK+AL) typed 361 -> 363 of 396 right at 2.0 and 366 at 2.5; reading14t's four folds over every tuning
# author (3,766 reports, the type model held out) found 1.0, 2.0 and 2.5 all worse than 1.5. The wider
# one decided (docs/benchmarks.md, "reading14", "reading14t"). Kept again in the fifteenth round: two
# of four folds over 43 authors typed 0.951 at 1.5, 0.948 at 2.0, 0.944 at 2.5 ("reading15t").
TIE_DELTA = 1.5
# ... and only in a report of some length: on one- and two-line reports the n-grams say little,
# and the model went against the precedence the hand-written cases of tests/analysis hold (18 of
# ~1,400 changed without this bound, none with it); the fold gains above were all on longer reports.
TIE_MIN_CHARS = 250
# ... counted with a Chinese character as this many: one says about what three or four Latin letters
# say, so an 84-character Chinese report holds about as much to read as a 250-character English one.
# Leave-authors-out, four folds of the 38 tuning authors (bench/type_cv.py): zh type 446 -> 451 of
# 470, the other languages unchanged (docs/benchmarks.md, "reading14t"); no bound at all gained 4 more
# overall, but turned 12 of the short hand-written cases of tests/analysis against their precedence.
CJK_CHAR_WEIGHT = 3
SECONDARY_MIN = 2.0
RANK_CAP = 4.0
# A pretence told in person ("said he was the gas inspector", "the lift company had sent no one")
# is the way in: when someone also tried to get in, photographed or followed, the physical act
# decides, however many wordings show the pretence. All nine such reports of the six blind
# authors are typed physical_approach.
_COVER_OF: dict[ApproachType, ApproachType] = {A.FAKE_PROFILE_OR_IMPERSONATION: A.PHYSICAL_APPROACH}


def fold(text: str) -> str:
    """Lower case without accents (é -> e, ü -> u, ё -> е), the form every entry is written in."""
    text = text.lower().replace("\u2019", "'").replace("ё", "е").replace("й", "\x00")
    if text.isascii():
        return text.replace("\x00", "й")
    decomposed = unicodedata.normalize("NFKD", text)
    # The combining marks among the text's distinct characters, removed in one translate(): the same
    # as testing every character, which took most of a non-English email's reading.
    marks = {ord(c): None for c in set(decomposed) if unicodedata.combining(c)}
    if marks:
        decomposed = decomposed.translate(marks)
    return decomposed.replace("\x00", "й")


_ESCAPE = re.compile(r"(\\.)")


def fold_entry(entry: str) -> str:
    """An entry folded like the text it is matched on, its escapes (\\W, \\S, \\d) left as written."""
    return "".join(part if part.startswith("\\") else fold(part) for part in _ESCAPE.split(entry))


def _entries(owner: tuple[str, ...], lists: dict[str, list[str]]) -> list[tuple[Hashable, str, bool]]:
    # "~" marks an entry matched inside words too: German compounds ("Firmenpasswort"). Chinese
    # entries match anywhere, except Latin-letter ones ("usb" must not match inside "husband").
    # The owner ends with the entry's language: see `languages_read`.
    return [
        (
            (*owner, lang),
            fold_entry(item.removeprefix("~")),
            item.startswith("~") or (lang == "zh" and _anywhere_zh(item)),
        )
        for lang, items in lists.items()
        for item in items
    ]


def _anywhere_zh(item: str) -> bool:
    return not item.isascii() or item.startswith("\\.")


def _compile(entries: dict[str, list[str]], *, cjk: bool = True) -> re.Pattern[str] | None:
    """One plain pattern of a list (the bench and tests use it; the reading uses the matcher).
    `cjk=False`: without the script-change word starts, which read text without CJK the same."""
    return _compiled(tuple((lang, tuple(items)) for lang, items in entries.items()), cjk)


@cache  # a handful of lists; asked again per report (the scope model's masking of the answers)
def _compiled(lists: tuple[tuple[str, tuple[str, ...]], ...], cjk: bool) -> re.Pattern[str] | None:
    entries = {lang: list(items) for lang, items in lists}
    # Consecutive entries of one kind share their word-start test: the same matches in the same
    # order, and the CJK-aware word start (a large character class, ~2 ms to compile each time it
    # is written) is written once a run instead of once an entry (4.3 s for the three protected
    # grounds, at every process's first report).
    runs: list[tuple[bool, list[str]]] = []
    for _, entry, anywhere in _entries(("",), entries):
        if runs and runs[-1][0] == anywhere:
            runs[-1][1].append(entry)
        else:
            runs.append((anywhere, [entry]))
    parts = ["|".join(run) if anywhere else rf"(?<!\w)(?:{'|'.join(run)})" for anywhere, run in runs]
    # Word starts and \b as the matcher reads them: a change between CJK and Latin script is one too.
    source = "|".join(parts)
    if not parts:
        return None
    # The CJK-aware one compiled as the matcher compiles its entries' CJK forms (the grounds' and the
    # watch list's, six: 0.43 -> 0.05 s CPU at a process's first report with answers in CJK text).
    return compile_across_scripts(source) if cjk else re.compile(source)


@dataclass(slots=True, frozen=True)
class ActSpec:
    name: str
    type: ApproachType
    weight: float
    label: str
    paired: bool  # fires on a verb and an object in one sentence, not on a cue alone
    negatable: bool
    fallback: bool = False  # counts only when no other act is read
    # Types this act outranks when read: they count only up to ACT_THRESHOLD beside it (a bribe for
    # data dressed as a "side job" is inducement, whatever the job's precedence).
    outranks: tuple[ApproachType, ...] = ()
    # Its `unless` wording anywhere in the report, not only in the sentence, means no such act: a
    # stick handed over to be plugged in is the file delivered, and "the stick" said again later
    # is the same stick, not a device found.
    unless_report: bool = False
    # A paired act whose object may stand this many sentences before or after its verb: what was
    # found and that nobody owns it ("a small adapter behind the screen, blinking. Nobody from IT put
    # it there."), a device out of sight and what was wrong with it afterwards, are told in turn.
    window: int = 0


@dataclass(slots=True, frozen=True)
class BasisSpec:
    name: str
    label: str
    lists: dict[str, list[str]]  # the entries by language, as the data file lists them

    @property
    def pattern(self) -> re.Pattern[str]:
        """The entries as one plain pattern (the bench uses it; the reading uses the matcher). Compiled on
        use, not with the lexicons: no analysis needs it, and compiling nine took 0.03 s of every process."""
        pattern = _compile(self.lists)
        if pattern is None:  # _basis refused an empty list
            raise ValueError(f"basis {self.name!r} has no entries")
        return pattern

    def pattern_for(self, text: str) -> re.Pattern[str]:
        """`pattern`, or for text without CJK characters the same entries without the script-change
        word starts: the same matches there, and a fraction of the compiling."""
        if has_cjk(text):
            return self.pattern
        pattern = _compile(self.lists, cjk=False)
        if pattern is None:
            raise ValueError(f"basis {self.name!r} has no entries")
        return pattern


@dataclass(slots=True, frozen=True)
class Lexicons:
    acts: tuple[ActSpec, ...]
    watch: BasisSpec
    feeling: BasisSpec
    no_act: BasisSpec
    vague: BasisSpec
    grounds: tuple[BasisSpec, ...]
    matcher: PhraseMatcher
    # The act entries alone, for an email body (acts_only): the basis lists decide a report's
    # scope, which an email does not have, and leaving them out saves a fifth of the matching.
    act_matcher: PhraseMatcher


def _lang_lists(table: dict[str, object]) -> dict[str, list[str]]:
    return {k: list(v) for k, v in table.items() if k in LANGUAGES + EXTRA_LANGUAGES and isinstance(v, list)}


def _basis(name: str, table: dict[str, object]) -> BasisSpec:
    lists = _lang_lists(table)
    if not any(lists.values()):
        raise ValueError(f"basis {name!r} has no entries")
    return BasisSpec(name, str(table.get("label", name)), lists)


@lru_cache(maxsize=1)
def lexicons() -> Lexicons:
    data = resources.files("watchword.analysis") / "data"
    acts_doc: dict[str, Any] = {}
    for name in ACT_FILES:
        acts_doc.update(tomllib.loads((data / name).read_text(encoding="utf-8")))
    basis_doc = tomllib.loads((data / "basis.toml").read_text(encoding="utf-8"))
    acts = []
    entries: list[tuple[Hashable, str, bool]] = []
    for name, table in acts_doc.items():
        for role in ("cues", "verbs", "objects", "unless"):
            entries += _entries(("act", name, role), _lang_lists(table.get(role, {})))
        for other in table.get("unless_too", ()):  # another act's `unless` wording, shared, not copied
            entries += _entries(("act", name, "unless"), _lang_lists(acts_doc[other].get("unless", {})))
        acts.append(
            ActSpec(
                name=name,
                type=ApproachType(table["type"]),
                weight=float(table["weight"]),
                label=str(table["label"]),
                paired="verbs" in table,
                negatable=bool(table.get("negatable", "verbs" in table)),
                fallback=bool(table.get("fallback", False)),
                outranks=tuple(ApproachType(t) for t in table.get("outranks", ())),
                unless_report=bool(table.get("unless_report", False)),
                window=int(table.get("window", 0)),
            )
        )
    basis = {
        name: basis_doc[name]
        for name in (
            "watch",
            "hedge",
            "feeling",
            "no_act",
            "no_act_weak",
            "vague",
            "press_channel",
            "press_bypass",
            "contact",
            "relay",
            "request",
            "person",
            "identify",
            "target",
            "doubt",
            "service_verb",
            "suspicion",
            "insider",
            "ours",
        )
    }
    basis.update(basis_doc["grounds"])
    for name, table in basis.items():
        entries += _entries(("basis", name), _lang_lists(table))
    grounds = tuple(_basis(name, table) for name, table in basis_doc["grounds"].items())
    return Lexicons(
        acts=tuple(acts),
        watch=_basis("watch", basis_doc["watch"]),
        feeling=_basis("feeling", basis_doc["feeling"]),
        no_act=_basis("no_act", basis_doc["no_act"]),
        vague=_basis("vague", basis_doc["vague"]),
        grounds=grounds,
        matcher=PhraseMatcher(entries),
        act_matcher=PhraseMatcher([entry for entry in entries if entry[0][0] == "act"]),  # type: ignore[index]
    )


def _in_languages(hits: list[Hit], languages: frozenset[str]) -> list[Hit]:
    # The basis (a request to watch someone, a nationality) is read in every language: a
    # false friend there can only ask for detail or turn away a report that shows no act.
    return [h for h in hits if h.owner[0] != "act" or h.owner[-1] in languages]  # type: ignore[index]


@lru_cache(maxsize=64)  # a matcher and a set of languages read: a few dozen sets at most
def _not_read(matcher: PhraseMatcher, languages: frozenset[str]) -> frozenset[Hashable]:
    """The owners whose hits `_in_languages` drops: the matcher need not try them (PhraseMatcher.find's
    `skip`; a sixth of an English email body's candidates are other languages' act wording)."""
    return frozenset(
        owner
        for owner, _entry, _anywhere in matcher.entries
        if owner[0] == "act" and owner[-1] not in languages  # type: ignore[index]
    )


# -- acts ----------------------------------------------------------------------------
@dataclass(slots=True, frozen=True)
class Act:
    """One act found: what kind, which type it points to, and the reporter's words for it."""

    name: str
    type: ApproachType
    label: str
    quote: str


@dataclass(slots=True)
class Reading:
    language: str = "en"
    acts: list[Act] = field(default_factory=list)
    scores: dict[ApproachType, float] = field(default_factory=dict)
    primary: ApproachType | None = None
    secondary: list[ApproachType] = field(default_factory=list)
    scope: Scope = Scope.NEEDS_DETAIL
    basis: list[str] = field(default_factory=list)  # labels of the out-of-scope basis found
    scope_reason: str = ""
    # What the learned scope reading is given (scopemodel.py), and, when it moved the outcome the
    # rules gave (learnedscope.py), the line that says so for the analyst.
    model_input: scopemodel.ModelInput | None = None
    learned_reason: str = ""
    # Whether the reporter or the organisation is the object of an act read (reading_scope._done_to):
    # such an act is never turned away by the learned reading (learnedscope.may_overrule).
    done_to: bool = False
    # Whether what the reporter or the organisation holds or does is named after an act read, in its
    # sentence (reading_scope._asked_of_ours): never overruled by the learned reading either.
    asked_of_ours: bool = False

    @property
    def act_score(self) -> float:
        return max(self.scores.values(), default=0.0)


def _find_acts(original: str, folded: str, hits: list[Hit], lex: Lexicons) -> tuple[list[Act], dict[str, int]]:
    """Acts in the text; the count of each is how many distinct wordings (or sentences) showed it."""
    specs = {spec.name: spec for spec in lex.acts}
    starts = sentence_starts(folded)
    # Folding keeps the length for almost all text; when it does not, quote the folded text.
    source = original if len(original) == len(folded) else folded
    by_sentence: dict[int, dict[tuple[str, str], list[Hit]]] = {}
    for hit in hits:
        owner = hit.owner
        if not (isinstance(owner, tuple) and owner[0] == "act"):
            continue
        index = bisect_right(starts, hit.start) - 1
        by_sentence.setdefault(index, {}).setdefault((owner[1], owner[2]), []).append(hit)
    found: dict[str, tuple[int, int]] = {}
    seen: dict[str, set[str]] = {}
    unless_anywhere = {
        name
        for groups in by_sentence.values()
        for name, role in groups
        if role == "unless" and specs[name].unless_report
    }
    for index in sorted(by_sentence):
        groups = by_sentence[index]
        lo = starts[index]
        hi = starts[index + 1] if index + 1 < len(starts) else len(folded)
        sentence = folded[lo:hi]
        # Only the acts with a hit in this sentence can find a span in it: the others are skipped
        # (in the acts' order, which decides the order of what is found).
        named = {name for name, _role in groups}
        for spec in [spec for spec in lex.acts if spec.name in named]:
            spans: list[tuple[int, int, str]] = []
            if (spec.name, "unless") in groups or spec.name in unless_anywhere:
                # The sentence names what makes these words no act ("photographed our stand").
                continue
            if not spec.paired:
                for hit in groups.get((spec.name, "cues"), ()):
                    if not (spec.negatable and negated(sentence, hit.start - lo)):
                        spans.append((hit.start, hit.end, folded[hit.start : hit.end]))
            else:
                verbs = [h for h in groups.get((spec.name, "verbs"), ()) if not negated(sentence, h.start - lo)]
                objects = groups.get((spec.name, "objects"), [])
                if spec.window:
                    objects = [
                        o
                        for near in range(index - spec.window, index + spec.window + 1)
                        for o in by_sentence.get(near, {}).get((spec.name, "objects"), ())
                    ]

                # In English what is asked about follows the verb; before it stands the one who
                # asked ("one of the contractors asked for a quiet room"). German puts the verb
                # last, Chinese and Russian the topic first: there either side counts, as it
                # does for a sum and the work it pays for.
                def follows(o: Hit, verb: Hit) -> bool:
                    return o.start >= verb.start  # "which days", "who leads" are both

                pairs = [
                    (
                        verb,
                        [
                            o
                            for o in objects
                            if spec.name != "ask_info" or _owner_language(verb) not in _OBJECT_AFTER or follows(o, verb)
                        ],
                    )
                    for verb in sorted(verbs, key=lambda h: h.start)
                ]
                paired = next(((verb, objs) for verb, objs in pairs if objs), None)
                if paired is not None:
                    verb, objs = paired
                    after = [o for o in objs if o.start >= verb.end]
                    obj = min(after or objs, key=lambda h: abs(h.start - verb.end))
                    spans.append((min(verb.start, obj.start), max(verb.end, obj.end), f"sentence {index}"))
                for hit in groups.get((spec.name, "cues"), ()):
                    spans.append((hit.start, hit.end, folded[hit.start : hit.end]))
            for start, end, key in spans:
                seen.setdefault(spec.name, set()).add(key)
                found.setdefault(spec.name, (start, end))
    acts = [
        Act(name, specs[name].type, specs[name].label, quote(source, start, end))
        for name, (start, end) in found.items()
    ]
    return acts, {name: len(keys) for name, keys in seen.items()}


# The languages where what is asked about follows the asking verb, so that a colleague named before it is
# the one who asks ("notre collègue demande à tout le monde d'où ils viennent"), not what is asked about.
_OBJECT_AFTER = frozenset({"en", "fr", "es"})


def _owner_language(hit: Hit) -> str:
    return str(hit.owner[-1])  # type: ignore[index]


_RELAYED_QUESTION = re.compile(r"(\bif|\bwhether|\bsi|\bs.il|\bob|\bли|是否|是不是)\W{0,2}$")
_SENTENCE_END = re.compile(r"[.?!。？！\n]")


def _question_end(folded: str, end: int) -> int:
    """Where a relay ends: at its own end, or at its sentence's end when it passes on a question ("... to know if")."""
    if not _RELAYED_QUESTION.search(folded[max(0, end - 12) : end]):
        return end
    found = _SENTENCE_END.search(folded, end)
    return found.start() if found else len(folded)


def read(text: str, form: str = "", answers: dict[str, str] | None = None, acts_only: bool = False) -> Reading:
    """The acts, types, scope and language of one free-text report.

    `acts_only`: an email body, read for its acts and types only: its scope is in scope and its
    language is not detected (the caller detects it on the part of the body it chooses).
    """
    lex = lexicons()
    original = text[:MAX_CHARS]
    # The form's answers are the reporter's words too ("Who did they say they were?").
    extra = " \n".join(v for k, v in (answers or {}).items() if v and k not in ("form", "files", "claimed"))
    # Who they said they were names a persona, not an act: "IT support" is no password asked for,
    # "the bank's fraud team" no payment. Read from it only the signs of a pretence and a
    # recruiter's persona ("Talent partner, Apex Search"), the persona of a recruitment cover.
    claimed = str((answers or {}).get("claimed") or "")
    folded = fold(original)
    reading = Reading(language="" if acts_only else detect_language(original))
    matcher = lex.act_matcher if acts_only else lex.matcher
    # An email body's language is not part of its reading, but which languages' act
    # wording counts in it depends on it as in any report.
    languages = languages_read(original + " " + extra[:1000], reading.language or detect_language(original))
    skip = _not_read(matcher, languages)
    hits = _in_languages(matcher.find(folded, skip), languages)
    # A manager's request the reporter passes on ("my manager asked me to pass this on:", "领导让我
    # 反映一下：") is no act done to them: no act wording inside it counts. What follows it does.
    relayed = [(h.start, h.end) for h in hits if h.owner[:2] == ("basis", "relay")]  # type: ignore[index]
    if relayed:
        # A manager's question passed on ("management wants to know if there is outside influence
        # behind it and who is leading it") runs to the end of its sentence: what it asks is no act.
        relayed = [(lo, _question_end(folded, hi)) for lo, hi in relayed]
        hits = [h for h in hits if h.owner[0] != "act" or not any(lo < h.end and h.start < hi for lo, hi in relayed)]  # type: ignore[index]
    # The reporter's own request to us ("solicito que investiguen a mi vecino", "je vous demande de
    # vérifier", "прошу проверить") is no question put to them: its verb is no `ask_info` verb.
    asked_of_us = [(h.start, h.end) for h in hits if h.owner[:2] in (("basis", "request"), ("basis", "watch"))]  # type: ignore[index]
    if asked_of_us:
        hits = [
            h
            for h in hits
            if h.owner[:3] != ("act", "ask_info", "verbs")  # type: ignore[index]
            or not any(lo < h.end and h.start < hi for lo, hi in asked_of_us)
        ]
    acts, counts = _find_acts(original, folded, hits, lex)
    if extra and acts:
        # Answers add evidence to acts the text already shows; alone they are not an act.
        extra_folded = fold(extra[:1000])
        more_hits = _in_languages(matcher.find(extra_folded, skip), languages)
        more, more_counts = _find_acts(extra[:1000], extra_folded, more_hits, lex)
        for act in more:
            if act.name not in counts:
                acts.append(act)
            counts[act.name] = counts.get(act.name, 0) + more_counts[act.name]
    if claimed and acts:
        claimed_folded = fold(claimed[:300])
        persona_hits = _in_languages(matcher.find(claimed_folded, skip), languages)
        persona, persona_counts = _find_acts(claimed[:300], claimed_folded, persona_hits, lex)
        for act in persona:
            if act.type not in (A.FAKE_PROFILE_OR_IMPERSONATION, A.FAKE_RECRUITMENT):
                continue
            if act.name not in counts:
                acts.append(act)
            counts[act.name] = counts.get(act.name, 0) + persona_counts[act.name]
    weights = {spec.name: spec for spec in lex.acts}
    precise: dict[ApproachType, float] = {}
    for act in acts:
        if not weights[act.name].fallback:
            precise[act.type] = precise.get(act.type, 0.0) + weights[act.name].weight
    if max(precise.values(), default=0.0) >= ACT_THRESHOLD:
        # A request read only by the catch-all adds nothing to an act named more precisely; beside
        # a weak one (a meal offered, then "send me the address book") it is still the act.
        acts = [a for a in acts if not weights[a.name].fallback]
    scores: dict[ApproachType, float] = {}
    for act in acts:
        spec = weights[act.name]
        n = counts.get(act.name, 1)
        value = spec.weight * (1.0 + 0.25 * min(n - 1, 2))
        scores[spec.type] = scores.get(spec.type, 0.0) + value
    reading.scores = scores
    preferred = FORM_TYPES.get(form, ())
    outranked = {t for a in acts for t in weights[a.name].outranks}
    # Precedence breaks ties between described acts; it never lifts a weak one over them.
    # The score counts up to RANK_CAP: three wordings of a pretence do not outrank the file it sent.
    # A pretence beside a physical act counts only up to the threshold (_COVER_OF); a type an
    # act read outranks (ActSpec.outranks) counts up to it too, without its precedence.
    context = {t: FORM_BONUS if t in preferred else 0.0 for t in scores}
    names_act = FORM_DESCRIBES if len(preferred) == 1 else 0
    described = {t for t in scores if scores[t] + names_act * context[t] >= ACT_THRESHOLD}
    if FORM_COVERS_ON and any(t in described for t in preferred):
        # The form's own acts were read: a way in it names as cover counts like an outranked type.
        outranked |= FORM_COVERS.get(form, set())
    rank = {
        t: min(scores[t], ACT_THRESHOLD if _covered(t, scores) or t in outranked else RANK_CAP)
        + (_PRECEDENCE.get(t, 0.0) if t in described and t not in outranked else 0.0)
        + context[t]
        for t in scores
    }
    ranked = sorted(scores, key=lambda t: rank[t], reverse=True)
    close_call = len(ranked) > 1 and rank[ranked[1]] >= rank[ranked[0]] - TIE_DELTA
    if close_call and not acts_only and _reading_length(original) >= TIE_MIN_CHARS:
        answered = " ".join(str(v) for k, v in (answers or {}).items() if v and k not in ("form", "files"))
        ranked = _break_tie(ranked, rank, folded, answered)
    # The reasons (and the scope's) follow the reading: the primary type's acts first, its
    # strongest act leading ("pretended" before "claimed").
    order = {t: i for i, t in enumerate(ranked)}
    reading.acts = sorted(acts, key=lambda a: (order[a.type], -weights[a.name].weight))
    if acts_only:
        # An email's body: something was sent to the reporter, so there is no scope to decide.
        reading.scope = Scope.IN_SCOPE
    else:
        decide_scope(reading, original, folded, hits, lex)
        # The rules' reading, as the learned scope reading is given it (learnedscope.py runs it).
        reading.model_input = _model_input(reading, original, folded, hits, form, answers)
    if reading.scope == Scope.IN_SCOPE and ranked:
        reading.primary = ranked[0]
        reading.secondary = [t for t in ranked[1:] if scores[t] >= SECONDARY_MIN]
    return reading


def _model_input(
    reading: Reading, original: str, folded: str, hits: list[Hit], form: str, answers: dict[str, str] | None
) -> scopemodel.ModelInput:
    """What the learned scope reading is given: the masked text and what the rules read in it."""
    protected = [(h.start, h.end) for h in hits if h.owner[0] == "basis" and h.owner[1] in PROTECTED_GROUNDS]  # type: ignore[index]
    answered = fold(" ".join(str(v) for k, v in (answers or {}).items() if v and k not in ("form", "files"))[:1000])
    # The answers only: most reports have none, and a plain pattern reads text without CJK the same.
    grounds = [g.pattern_for(answered) for g in lexicons().grounds if g.name in PROTECTED_GROUNDS] if answered else []
    return scopemodel.ModelInput(
        scopemodel.model_text(
            scopemodel.masked(folded, protected),
            scopemodel.masked(answered, [m.span() for pattern in grounds for m in pattern.finditer(answered)]),
        ),
        scopemodel.signals(
            reading.act_score / ACT_THRESHOLD,
            reading.act_score >= WATCH_OVERRIDE,
            [t.value for t in reading.scores],
            {str(h.owner[1]) for h in hits if h.owner[0] == "basis"},  # type: ignore[index]
            form,
            original,
            bool(answered.strip()),
        ),
    )


def _reading_length(text: str) -> int:
    """The report's length for TIE_MIN_CHARS: characters, a CJK one counted CJK_CHAR_WEIGHT times."""
    if CJK_CHAR_WEIGHT == 1 or not has_cjk(text):
        return len(text)
    return len(text) + (CJK_CHAR_WEIGHT - 1) * len(_CJK_CHARS.findall(text))


_CJK_CHARS = re.compile(f"[{CJK}]")


def _break_tie(
    ranked: list[ApproachType], rank: dict[ApproachType, float], folded: str, answers: str
) -> list[ApproachType]:
    """A close call between the acts' types, chosen by the learned model; the rest keep their order.

    An email body is not read this way (the model learned from reports, not from mail).
    """
    learned = type_model()
    if learned is None:
        return ranked
    close = [t for t in ranked if rank[t] >= rank[ranked[0]] - TIE_DELTA]
    scores = learned.scores(folded + " \n" + fold(answers))
    best = max(close, key=lambda t: scores.get(t.value, float("-inf")))
    return [best] + [t for t in ranked if t != best]


def _covered(kind: ApproachType, scores: dict[ApproachType, float]) -> bool:
    """Whether the act this type is the cover of was read too (a pretence beside a way in)."""
    cover_of = _COVER_OF.get(kind)
    return cover_of is not None and scores.get(cover_of, 0.0) >= ACT_THRESHOLD


def act_reasons(reading: Reading, limit: int = 6) -> list[str]:
    """One line per act found, quoting the reporter: what an analyst checks first."""
    out: list[str] = []
    for act in reading.acts:
        line = f'{act.label}: "{act.quote}"'
        if line not in out:
            out.append(line)
        if len(out) >= limit:
            break
    return out
