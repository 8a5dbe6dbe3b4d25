"""The guided forms: for each kind of approach, a few plain questions, free text and files.

A form is data, not a template: the one template renders any of them, the
route reads them back by the same keys, and a new form is a new entry here.
A choice may carry an approach type: the reporter's answer to "what did they
want?" becomes the pipeline's `approach_hint` (the reporter saw the approach;
we did not).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from watchword.services.guidance import N_


@dataclass(frozen=True, slots=True)
class Option:
    value: str
    label: str
    approach: str = ""  # the ApproachType this answer points to, if any


@dataclass(frozen=True, slots=True)
class Question:
    key: str
    label: str
    kind: str = "text"  # text | textarea | choice
    hint: str = ""
    # Put into the hint's %(example)s kept left to right: a phone number reads backwards in Arabic otherwise.
    example: str = ""
    options: tuple[Option, ...] = ()
    max_chars: int = 500


@dataclass(frozen=True, slots=True)
class GuidedForm:
    key: str
    title: str  # on the choice screen
    blurb: str  # one line under the title there
    heading: str  # on the form itself
    questions: tuple[Question, ...]
    text_label: str
    text_hint: str = ""
    files_label: str = N_("Screenshots or photos (optional)")
    files_accept: str = "image/*"
    approach: str = ""  # when the form alone says the type
    extras: tuple[str, ...] = field(default=())


WANTS_EMAIL = Question(
    "wants",
    N_("What did it want you to do?"),
    "choice",
    options=(
        Option("sign_in", N_("Sign in, or confirm a password or account"), "credential_phishing"),
        Option("open_file", N_("Open a file or download something"), "malware_delivery"),
        Option("pay", N_("Pay, or change bank or invoice details"), "invoice_or_payment_fraud"),
        Option("job", N_("Take a job, consulting or research work"), "fake_recruitment"),
        Option("info", N_("Tell them about my work, colleagues or plans"), "elicitation"),
        Option("threat", N_("Pay or do something, or else (a threat)"), "extortion"),
        Option("unsure", N_("I am not sure")),
    ),
)
DID_EMAIL = Question(
    "did",
    N_("Did you do anything with it?"),
    "choice",
    options=(
        Option("nothing", N_("No, nothing")),
        Option("clicked", N_("I clicked a link or opened a file")),
        Option("typed_password", N_("I typed a password or a code")),
        Option("replied", N_("I replied")),
    ),
)
WANTS_PEOPLE = (
    Option("info", N_("Questions about my work, colleagues or plans"), "elicitation"),
    Option("gift", N_("A gift, money, paid travel or a favour"), "inducement"),
    Option("job", N_("A job, consulting or research work"), "fake_recruitment"),
)
DID_PEOPLE = Question(
    "did",
    N_("Did you give them anything or agree to anything?"),
    "choice",
    options=(
        Option("nothing", N_("No")),
        Option("shared", N_("I shared information or files")),
        Option("accepted", N_("I accepted something or agreed to meet")),
        Option("replied", N_("I replied, but shared nothing")),
    ),
)
WHERE = Question(
    "where", N_("Where did it happen?"), hint=N_("For example: at a conference, in a café, at the office entrance")
)
WHEN = Question("when", N_("When?"), hint=N_("For example: yesterday around 3 pm"), max_chars=100)
CLAIMED = Question(
    "claimed",
    N_("Who did they say they were?"),
    hint=N_("The name, organisation or job they gave you, as they told it"),
)

FORMS: dict[str, GuidedForm] = {
    "email": GuidedForm(
        key="email",
        title=N_("An email or message I received"),
        blurb=N_("An email, at work or at home"),
        heading=N_("Report an email or message"),
        questions=(WANTS_EMAIL, DID_EMAIL),
        text_label=N_("Paste the message here, or tell us about it"),
        text_hint=N_("Copy and paste is fine. Or attach the saved email below."),
        files_label=N_("The saved email (.eml or .msg) or screenshots (optional)"),
        files_accept=".eml,.msg,message/rfc822,application/vnd.ms-outlook,image/*",
    ),
    "text_message": GuidedForm(
        key="text_message",
        title=N_("A text message"),
        blurb=N_("SMS, WhatsApp, iMessage, Signal, Telegram…"),
        heading=N_("Report a text message"),
        questions=(
            Question(
                "sender",
                N_("Who sent it? Their number or name"),
                hint=N_("As your phone shows it, for example %(example)s or a name"),
                example="+44 7400 123456",
                max_chars=200,
            ),
            Question(
                "app",
                N_("Where did it arrive?"),
                hint=N_("For example: SMS, WhatsApp, iMessage, Signal"),
                max_chars=100,
            ),
            Question("when", N_("When did it arrive?"), hint=N_("For example: today at 9:40"), max_chars=100),
            WANTS_EMAIL,
            DID_EMAIL,
        ),
        text_label=N_("Copy the text of the message here"),
        text_hint=N_("Press and hold the message to copy it. Links are never opened by us."),
        files_label=N_("Screenshots of the message (optional)"),
    ),
    "social": GuidedForm(
        key="social",
        title=N_("A contact on social media or a messaging app"),
        blurb=N_("LinkedIn, WhatsApp, Telegram, Signal, a dating app…"),
        heading=N_("Report a contact on social media or in an app"),
        questions=(
            Question(
                "platform",
                N_("Where did they contact you?"),
                hint=N_("For example: LinkedIn, WhatsApp, Telegram, Instagram"),
                max_chars=100,
            ),
            Question(
                "profile",
                N_("Their profile link, username or phone number"),
                hint=N_("Copy it from their profile if you can"),
            ),
            Question(
                "wants",
                N_("What did they want?"),
                "choice",
                options=(
                    *WANTS_PEOPLE,
                    Option(
                        "pretend",
                        N_("They pretended to be someone I know, or an organisation"),
                        "fake_profile_or_impersonation",
                    ),
                    Option("sign_in", N_("Me to sign in somewhere or click a link"), "credential_phishing"),
                    Option("threat", N_("Money or something else, with a threat"), "extortion"),
                    Option("unsure", N_("I am not sure")),
                ),
            ),
            DID_PEOPLE,
        ),
        text_label=N_("What happened? Copy their messages here if you can"),
    ),
    "in_person": GuidedForm(
        key="in_person",
        title=N_("Someone approached me in person"),
        blurb=N_("Questions, offers or favours at an event, on a trip, near work"),
        heading=N_("Report an in-person approach"),
        questions=(
            WHERE,
            WHEN,
            Question(
                "wants",
                N_("What did they ask for or offer?"),
                "choice",
                options=(
                    *WANTS_PEOPLE,
                    Option("access", N_("To get into a building, a room or a computer"), "physical_approach"),
                    Option("unsure", N_("Something else, or I am not sure")),
                ),
            ),
            CLAIMED,
            DID_PEOPLE,
        ),
        text_label=N_("What was asked or offered? In your own words"),
        files_label=N_("Photos of a business card, gift or message (optional)"),
    ),
    "device": GuidedForm(
        key="device",
        title=N_("A device or gift I found or was given"),
        blurb=N_("A USB stick, charger, tracker, a gift, something tampered with"),
        heading=N_("Report a device or gift"),
        questions=(
            Question(
                "what",
                N_("What is it?"),
                "choice",
                options=(
                    Option(
                        "found", N_("I found a device (USB stick, charger, cable, tracker…)"), "technical_surveillance"
                    ),
                    Option("gift", N_("I was given a gift or a device"), "inducement"),
                    Option(
                        "tampered",
                        N_("Something was tampered with (a lock, laptop, phone, car)"),
                        "technical_surveillance",
                    ),
                ),
            ),
            Question("where", N_("Where and when did you find it or get it?")),
            Question(
                "used",
                N_("Has it been plugged in, switched on or used?"),
                "choice",
                options=(
                    Option("no", N_("No")),
                    Option("plugged_in", N_("Yes")),
                    Option("unsure", N_("I do not know")),
                ),
            ),
            Question("now", N_("Where is it now?"), hint=N_("For example: in my desk drawer, unplugged")),
        ),
        text_label=N_("Anything else we should know? (optional)"),
        files_label=N_("Photos of it (optional)"),
    ),
    "visitor": GuidedForm(
        key="visitor",
        title=N_("A visitor or an intrusion"),
        blurb=N_("Someone got in, followed, filmed, or asked odd questions on site"),
        heading=N_("Report a visitor or intrusion"),
        questions=(
            Question(
                "what",
                N_("What happened?"),
                "choice",
                options=(
                    Option("tailgating", N_("Someone got in, or tried to, without a pass"), "physical_approach"),
                    Option("photography", N_("Someone was photographing or filming"), "physical_approach"),
                    Option("following", N_("I was followed or watched"), "physical_approach"),
                    Option("questions", N_("A visitor asked unusual questions"), "elicitation"),
                    Option("other", N_("Something else")),
                ),
            ),
            WHERE,
            WHEN,
            CLAIMED,
        ),
        text_label=N_("What did you see? In your own words"),
        files_label=N_("Photos (optional)"),
        approach="physical_approach",
    ),
    "other": GuidedForm(
        key="other",
        title=N_("Something else"),
        blurb=N_("Anything that felt like someone was trying to get something from you"),
        heading=N_("Tell us what happened"),
        questions=(),
        text_label=N_("What happened? What was asked, offered or done?"),
        files_accept="image/*,.eml,.msg,.pdf",
        files_label=N_("Screenshots, photos or saved messages (optional)"),
    ),
}

ORDER = ("email", "text_message", "social", "in_person", "device", "visitor", "other")


def approach_for(form: GuidedForm, answers: dict[str, str]) -> str:
    """The approach hint from the answers, else from the form itself, else none."""
    for question in form.questions:
        for option in question.options:
            if option.approach and answers.get(question.key) == option.value:
                return option.approach
    return form.approach


def too_long_answers(form: GuidedForm, values: dict[str, str]) -> list[str]:
    """The questions whose answer is longer than the page lets a person type: only a client other
    than our page sends one, and trimming it would store less than the reporter sent."""
    return [q.key for q in form.questions if len(" ".join(values.get(q.key, "").split())) > q.max_chars]


def read_answers(form: GuidedForm, values: dict[str, str]) -> dict[str, str]:
    """Only this form's questions, only known choices, trimmed to size; empty answers dropped."""
    answers: dict[str, str] = {}
    for question in form.questions:
        value = " ".join(values.get(question.key, "").split())[: question.max_chars]
        if question.kind == "choice" and value not in {o.value for o in question.options}:
            continue
        if value:
            answers[question.key] = value
    return answers


def labelled_answers(answers: dict[str, str], form_key: str = "") -> list[tuple[str, str]]:
    """Stored answers as (question, answer) in the reporter's own words, for the console.

    Answers are stored by key ("wants": "info"); the questions and choices are
    here. Without the form's key (a submission does not record it) the form is
    the one whose questions hold every answer and every chosen value. A key no
    form knows is shown as it is rather than dropped.
    """
    # The reporter pages keep the form's key among the answers (analysis reads it as context).
    form_key = form_key or answers.get("form", "")
    answers = {k: v for k, v in answers.items() if k != "form"}
    form = FORMS.get(form_key) or _form_of(answers)
    questions = {q.key: q for q in form.questions} if form else {}
    shown: list[tuple[str, str]] = []
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            shown.append((_EXTRA_LABELS.get(key, key.replace("_", " ")), value))
            continue
        chosen = next((o.label for o in question.options if o.value == value), value)
        shown.append((question.label, chosen))
    return shown


_EXTRA_LABELS = {"files": N_("Files attached")}


def _form_of(answers: dict[str, str]) -> GuidedForm | None:
    keys = set(answers) - set(_EXTRA_LABELS)
    if not keys:
        return None
    for key in ORDER:
        form = FORMS[key]
        questions = {q.key: q for q in form.questions}
        if keys <= set(questions) and all(
            questions[k].kind != "choice" or answers[k] in {o.value for o in questions[k].options} for k in keys
        ):
            return form
    return None
