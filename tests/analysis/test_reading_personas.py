"""Who the caller said they were, a stranger where they should not be, and a payment's family of wordings.

Sentences written for these rules in six languages (none from the blind evaluation set): a claimed
police, security or inspection body is a pretence act and types the report beside its questions; a
claimed pretext for questions (a student, a researcher, an investor) keeps it elicitation even when
the claim is shown false; strangers at the reporter's home or about a corridor are a physical act.
"""

from __future__ import annotations

import pytest

from watchword.analysis.reading import read

IMPERSONATION = "fake_profile_or_impersonation"


@pytest.mark.parametrize(
    "text",
    [
        "A man identifying himself as a detective from the city police rang HR and asked for the home addresses"
        " of our night staff.",
        "Ein Anrufer, der sich als Beamter des Landeskriminalamts vorstellte, wollte die Namen aller Mitarbeiter"
        " im Labor.",
        "Une femme se présentant comme « inspectrice de la DGSI » a demandé la liste des salariés habilités.",
        "Llamó un hombre diciendo ser agente de la Guardia Civil y pidió los nombres del turno de noche.",
        "Звонил мужчина, представился сотрудником ФСБ и просил список сотрудников лаборатории.",
        "有人打电话到办公室，自称是公安局的，要我们提供全体员工的名单和手机号。",
    ],
)
def test_a_claimed_authority_asking_for_lists_is_a_pretence(text: str) -> None:
    reading = read(text)
    assert reading.primary == IMPERSONATION
    assert "claimed_authority" in {act.name for act in reading.acts}


@pytest.mark.parametrize(
    "text",
    [
        "A woman who said she was a master's student writing a thesis asked which shifts guard the control room."
        " The university has no such student.",
        "Ein angeblicher Doktorand fragte nach unseren Schichtplänen; die Uni kennt ihn nicht.",
        "Un soi-disant étudiant en master m'a demandé combien d'agents de sécurité travaillent la nuit."
        " L'université ne le connaît pas.",
        "Un hombre que dijo ser investigador preguntó por las rutas de nuestros equipos; la universidad no lo conoce.",
        "Мужчина представился аспирантом и расспрашивал, кто работает над проектом. В университете его не знают.",
        "一个自称博士生的人一直问我们实验室和哪些单位合作，学校查无此人。",
    ],
)
def test_a_pretext_for_questions_stays_elicitation_when_shown_false(text: str) -> None:
    assert read(text).primary == "elicitation"


def test_a_diplomat_or_a_buyer_is_no_authority() -> None:
    for text in (
        "A man who said he was a trade attaché at an embassy asked which ministries fund our programme.",
        "Ein Herr, der sich als Einkäufer vorstellte, fragte nach unseren Kunden und Preisen.",
    ):
        reading = read(text)
        assert reading.primary == "elicitation"
        assert "claimed_authority" not in {act.name for act in reading.acts}


@pytest.mark.parametrize(
    "text",
    [
        "Two men came to my flat on Sunday, said they were from the council and asked my wife where I work.",
        "Zwei Männer klingelten an meiner Wohnungstür und fragten meine Frau, wo ich arbeite.",
        "Deux hommes ont sonné à ma porte et ont demandé à ma femme où je travaille.",
        "Dos hombres tocaron en casa de mis padres preguntando dónde trabajo.",
        "Двое мужчин пришли ко мне домой и спрашивали жену, где я работаю.",
        "两个人来我家敲门，问我爱人我在哪里上班。",
        "A man in a hi-vis vest was standing in the corridor outside the server room and said he was from facilities.",
        "Ein Mann in Arbeitsjacke stand im Flur vor dem Serverraum und meinte, er sei von der Haustechnik.",
    ],
)
def test_strangers_at_home_or_in_a_corridor_are_a_physical_approach(text: str) -> None:
    assert read(text).primary == "physical_approach"


def test_a_parcel_at_the_door_or_a_colleague_in_the_corridor_is_no_visit() -> None:
    parcel = read("A bottle of whisky turned up at my home address with his card.")
    assert "visit" not in {act.name for act in parcel.acts}
    colleague = read("My colleague makes long phone calls in the corridor.")
    assert "visit" not in {act.name for act in colleague.acts}


@pytest.mark.parametrize(
    "text",
    [
        "An email from our chair asked me to buy six shopping vouchers and send photos of the codes.",
        "Our supplier rang to say they had moved banks and the next invoice goes to the new one.",
        "Someone posing as our treasurer asked for an urgent £4,200 transfer before Friday.",
        "Die Mail vom Geschäftsführer bat, Geschenkkarten zu kaufen und die Codes zu schicken.",
        "Le fournisseur a dit avoir changé de banque et nous demande de régler sur le nouveau compte.",
        "El proveedor llamó diciendo que había cambiado de banco.",
    ],
)
def test_payment_wordings_type_the_report_over_the_persona(text: str) -> None:
    assert read(text).primary == "invoice_or_payment_fraud"


@pytest.mark.parametrize(
    "text",
    [
        "After the visit their delegate had a case of very good wine delivered to my home, then asked for"
        " the tender file.",
        "Al final de la visita me regalaron una tablet y ahora me piden el calendario de pruebas.",
        "Un conseiller m'a remis un coffret de montres, puis m'a demandé la liste de nos clients.",
    ],
)
def test_a_gift_of_value_then_a_request_is_an_inducement(text: str) -> None:
    assert read(text).primary == "inducement"
