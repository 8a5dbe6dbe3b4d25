"""Phrase lists for classification, matched as word n-gram sets.

Why sets and not one big regex: Python's `re` tries every branch of an
alternation at every position, so a few hundred phrases cost ~10 ms on a 6 kB
body. Here the text is tokenised once (one C-level `findall`), its words,
bigrams and trigrams become sets, and each category is a set intersection:
about 100 µs for 3,000 characters, linear, with no per-phrase work.

Phrase grammar, compact on purpose: words are separated by spaces and each
word position may list alternatives with "|" ("verify|confirm your|the
account"). A phrase has one to three positions; it is expanded at import.

Phrases are multilingual (en, de, fr, es, pt, it, nl) because real phishing is.
Rules for adding one: it must describe what a message asks or offers (verify,
pay, claim, open), not the topic of a conversation; and it must never name a
year, a software version or anything else that dates a message.
"""

from __future__ import annotations

import itertools
import re

from watchword.analysis.brands import BRANDS

CATEGORIES: dict[str, tuple[str, ...]] = {
    # Asking for a login, a password or an account "confirmation".
    "credential": (
        "verify|confirm|validate|update|reactivate|restore|unlock|secure your|the account|identity|mailbox|wallet",
        "verify|confirm|update|validate your|the information|details|email|billing|password|payment",
        "sign|log in to",
        "signin|login to",
        "reset your password",
        "password expire|expires|expired|reset",
        "been|is|was|temporarily suspended|locked|limited|restricted|disabled|blocked|deactivated|flagged|compromised",
        "account suspended|locked|limited|restricted|disabled|blocked|deactivated|suspension|verification",
        "unusual|suspicious sign|signin|login|activity|access",
        "tried to log|sign|login|signin",
        "new sign|signin|login|device",
        "mailbox|storage|quota full|exceeded|limit",
        "security alert|verification",
        "seed|recovery|secret|mnemonic phrase",
        "private key",
        "credentials",
        "login credentials",
        # de
        "konto gesperrt|eingeschränkt|deaktiviert|gelöscht|blockiert|verifizieren|bestätigen|sperrung",
        "bestätigen|verifizieren|aktualisieren sie ihr|ihre|jetzt",
        "zugangsdaten",
        "kennwort",
        "passwort",
        "verifizierung erforderlich|notwendig",
        "ihre kontodaten",
        "anmeldedaten",
        # fr
        "vérifiez|confirmez|vérifier|confirmer votre|vos",
        "mot de passe",
        "compte suspendu|bloqué|désactivé|limité",
        "connectez vous",
        "identifiants",
        # es
        "verifique|confirme|actualice|verificar|confirmar|actualizar su|sus|tu|tus",
        "contraseña",
        "cuenta suspendida|bloqueada|desactivada|restringida",
        "iniciar sesión",
        # pt
        "verifique|confirme|atualize|regularize|valide sua|seus|seu|suas",
        "senha",
        "conta bloqueada|suspensa|desativada|restrita",
        "novo acesso",
        "acesso suspeito",
        "acesse sua conta",
        "acessar sua conta",
        # it
        "verifica|conferma|aggiorna il|i|la|le tuo|tuoi|tua|tue",
        "account sospeso|bloccato|limitato",
        "accedi al",
        "credenziali",
        # nl
        "verifieer|bevestig uw|je",
        "wachtwoord",
        "account|rekening geblokkeerd|opgeschort|beperkt",
    ),
    # Pressure to act before thinking.
    "urgency": (
        "urgent",
        "urgently",
        "immediately",
        "within 24|48|72|12 hours|hrs|h",
        "act now",
        "action required",
        "final notice|reminder|warning|attempt",
        "last chance|notice|reminder|warning",
        "expires today|soon|tomorrow",
        "respond now|today|immediately",
        "avoid suspension|closure|interruption|termination|deactivation|losing",
        "limited time",
        "hurry",
        "too late",
        "running out",
        "dringend",
        "sofort",
        "umgehend",
        "letzte chance|mahnung|erinnerung|warnung",
        "nur noch",
        "urgente",
        "imediatamente",
        "inmediatamente",
        "último|ultimo aviso",
        "prazo final",
        "dernier avis|rappel",
        "immédiatement",
        "dernière chance",
        "laatste kans|herinnering",
        "onmiddellijk",
        "subito",
    ),
    # A threat of loss if nothing is done.
    "threat": (
        "be suspended|closed|deleted|terminated|locked|blocked|cancelled|canceled|disabled",
        "permanently deleted|closed|locked|suspended|disabled|lost",
        "legal action",
        "arrest warrant",
        "law enforcement",
        "wird gelöscht|gesperrt|geschlossen",
        "será cancelado|cancelada|bloqueado|bloqueada|suspenso",
        "sera suspendu|supprimé|bloqué",
        "sarà sospeso|bloccato|eliminato",
        "wordt geblokkeerd|verwijderd",
    ),
    # Something for nothing: prizes, rewards, vouchers.
    "prize": (
        "congratulations",
        "congrats",
        "you|you've won",
        "have won",
        "been selected|chosen",
        "winner",
        "winners",
        "reward",
        "rewards",
        "prize",
        "prizes",
        "gift card",
        "giftcard",
        "voucher",
        "claim your|now|it",
        "free gift|spins|spin",
        "lottery",
        "jackpot",
        "sweepstakes",
        "gewinn",
        "gewinnen",
        "gewonnen",
        "gewinner",
        "gutschein",
        "glückwunsch",
        "gratulieren",
        "parabéns",
        "prêmio",
        "ganhou",
        "sorteio",
        "recompensa",
        "félicitations",
        "gagner",
        "gagnez",
        "gagné",
        "récompense",
        "bon d'achat",
        "felicidades",
        "ganador",
        "premio",
        "gefeliciteerd",
        "cadeaukaart",
        "willkommensbonus",
        "casino",
        "bonus",
        "freispiele",
        "exclusive offer",
        "participate",
        "survey reward",
    ),
    # Advance-fee and "you are owed money" stories.
    "advance_fee": (
        "million dollars|usd|euros|pounds|us",
        "next of kin",
        "beneficiary",
        "inheritance",
        "barrister",
        "transfer the|this sum|fund|funds|money",
        "compensation fund|payment",
        "fund|funds|payment release",
        "consignment",
        "unclaimed funds|fund|money|assets",
        "risk free",
        "personal loan|loans",
        "loan offer",
        "business proposal",
        "confidential business|transaction",
        "investment opportunity",
    ),
    # Crypto-asset and wallet lures.
    "crypto": (
        "bitcoin",
        "bitcoins",
        "btc",
        "wallet",
        "metamask",
        "ledger",
        "airdrop",
        "usdt",
        "ethereum",
        "crypto",
        "cryptocurrency",
        "nft",
        "token",
        "tokens",
        "blockchain",
        "binance",
        "coinbase",
    ),
    # Invoices, bank details and transfers: the shape of payment fraud.
    "payment": (
        "bank|banking|payment|account details|information changed|change|update|updated",
        "new|updated|change bank|banking|account details|account",
        "wire transfer",
        "bank transfer",
        "remittance",
        "outstanding|overdue|unpaid|pending invoice|payment|balance",
        "payment due|overdue|pending|failed|declined",
        "iban",
        "swift",
        "proof of payment",
        "kindly process|remit|send|make",
        "are you available",
        "gift cards",
        "überweisung",
        "bankverbindung",
        "kontoverbindung",
        "rechnung",
        "zahlung",
        "facture",
        "virement",
        "rib",
        "factura",
        "transferencia",
        "fatura",
        "boleto",
        "pix",
        "transferência",
        "fattura",
        "bonifico",
        "factuur",
        "betaling",
        "invoice",
        "invoices",
    ),
    # Threats to publish something private unless paid.
    "extortion": (
        "recorded you",
        "recorded a video",
        "webcam",
        "hacked|infected|compromised your device|computer|phone",
        "been hacked|infected|compromised",
        "to your device|computer|contacts|camera",
        "adult website|site|content|videos",
        "masturbating",
        "embarrassing video|photos|photo",
        "in bitcoin",
        "blackmail",
        "sextortion",
        "intimate video|photos",
    ),
    # Parcel and customs lures.
    "delivery": (
        "parcel",
        "package",
        "shipment",
        "delivery failed|attempt|fee|problem|address|suspended",
        "customs fee|duty|charge|clearance",
        "tracking number|code|id",
        "redelivery",
        "paket",
        "sendung",
        "zustellung",
        "zoll",
        "encomenda",
        "pedido retido|bloqueado|retida",
        "alfândega",
        "taxa de entrega|importação",
        "colis",
        "livraison",
        "douane",
        "paquete",
        "aduana",
        "pacco",
        "spedizione",
        "pakket",
        "bezorging",
    ),
    # Job, headhunter and consulting offers.
    "recruitment": (
        "job offer|opportunity|opening|position|description",
        "vacancy",
        "vacancies",
        "recruiter",
        "recruiting",
        "recruitment",
        "headhunter",
        "headhunting",
        "hiring",
        "salary",
        "remote job|work|position|role",
        "your cv|resume|résumé|profile",
        "consulting|consultancy opportunity|project|engagement|fee",
        "paid research|survey|consultation|interview|call|project",
        "expert network",
        "hourly rate",
        "part time",
        "career opportunity|opportunities",
        "stellenangebot",
        "bewerbung",
        "vaga",
        "emprego",
        "offre d'emploi",
        "oferta de empleo|trabajo",
        "vacature",
        "interview",
    ),
    # "Open the attachment / download the file" lures.
    "malware_lure": (
        "open the attachment|attached|document|file",
        "open attachment|attached",
        "see attached|attachment",
        "attached invoice|document|file|statement|order",
        "download the|your file|document|invoice|attachment",
        "enable editing|content|macros|macro",
        "view the|shared document|file|pdf",
        "view document|file|pdf",
        "shared a|the file|document|folder",
        "password to|for open",
        "install the update|app|plugin|extension",
        "anhang",
        "pièce jointe",
        "anexo",
        "adjunto",
        "allegato",
        "bijlage",
    ),
    # Bulk-marketing markers: what makes spam spam rather than targeted fraud.
    "marketing": (
        "unsubscribe",
        "opt out",
        "optout",
        "remove me|yourself from",
        "be removed",
        "wish to receive",
        "want to receive",
        "this advertisement",
        "an advertisement",
        "special|exclusive|limited offer",
        "lowest price|prices|rate|rates",
        "buy now",
        "order now",
        "mortgage",
        "refinance",
        "viagra",
        "cialis",
        "pharmacy",
        "prescription",
        "weight loss",
        "lose weight",
        "enlargement",
        "singles",
        "dating",
        "credit repair|report|score",
        "work from home",
        "make money",
        "extra income",
        "100 free",
        "no obligation",
        "click here",
        "abmelden",
        "abbestellen",
        "descadastrar",
        "desinscrever",
        "désinscrire",
        "désabonner",
        "se désabonner",
        "darse de baja",
        "cancelar suscripción",
        "cancella iscrizione",
        "afmelden",
        "uitschrijven",
        "newsletter",
        "free shipping",
        "discount",
        "save up",
    ),
    # Dating and romance lures.
    "romance": (
        "lonely",
        "hot guy|girl|girls|women|singles",
        "looking for love|partner|lover|relationship",
        "seeking a|my man|partner|lover",
        "my photo|photos|pictures",
        "sexy",
        "horny",
        "beautiful women|girls|ladies",
        "single women|ladies|moms",
        "meet women|singles|girls",
        "lover",
        "dating site",
        "geile",
        "frauen warten",
        "singles in",
        "traumfrau",
        "ukrainische|russische frau|frauen|schönheiten|singles|bräute",
        "femmes",
        "rencontre",
        "mulheres",
        "namoro",
    ),
    # Salutations of mass mail that pretends to know you.
    "generic_greeting": (
        "dear customer|user|client|member|valued|sir|beneficiary|friend|account|winner|recipient",
        "sehr geehrte kundin|kunde|nutzer",
        "liebe kundin|kunde|kunden",
        "cher client|membre",
        "chère cliente",
        "estimado cliente|usuario",
        "prezado cliente|usuário",
        "caro cliente",
        "gentile cliente",
        "beste klant",
    ),
}


def word_set(words: str) -> frozenset[str]:
    """A set of single words written as one space-separated string (easier to read and edit)."""
    return frozenset(words.split())


def _expand(phrase: str) -> list[tuple[str, ...]]:
    positions = [alt.split("|") for alt in phrase.split(" ")]
    return list(itertools.product(*positions))


class Lexicon:
    """Word, bigram and trigram sets for named categories, matched against token sets."""

    def __init__(self, categories: dict[str, tuple[str, ...]]) -> None:
        self.names = tuple(categories)
        self.sets: dict[str, tuple[frozenset[str], frozenset[tuple[str, ...]], frozenset[tuple[str, ...]]]] = {}
        for name, phrases in categories.items():
            uni: set[str] = set()
            bi: set[tuple[str, ...]] = set()
            tri: set[tuple[str, ...]] = set()
            for phrase in phrases:
                if phrase.count(" ") > 2:
                    raise ValueError(f"lexicon phrase longer than three words: {phrase!r}")
                for combo in _expand(phrase.lower()):
                    if len(combo) == 1:
                        uni.add(combo[0])
                    elif len(combo) == 2:
                        bi.add(combo)
                    else:
                        tri.add(combo)
            self.sets[name] = (frozenset(uni), frozenset(bi), frozenset(tri))

    def count(self, tokens: Tokens) -> dict[str, int]:
        """Distinct phrases of each category present in the tokens."""
        out: dict[str, int] = {}
        for name, (uni, bi, tri) in self.sets.items():
            n = len(uni & tokens.words) + len(bi & tokens.bigrams) + len(tri & tokens.trigrams)
            if n:
                out[name] = n
        return out

    def matches(self, tokens: Tokens, name: str) -> list[str]:
        """The phrases of one category found, for a reason an analyst can check."""
        uni, bi, tri = self.sets[name]
        found = sorted(uni & tokens.words) + [" ".join(b) for b in sorted(bi & tokens.bigrams)]
        return found + [" ".join(t) for t in sorted(tri & tokens.trigrams)]


_WORD_RE = re.compile(r"\w+(?:'\w+)*")


class Tokens:
    """The word, bigram and trigram sets of one (capped) text."""

    __slots__ = ("bigrams", "count", "trigrams", "words")

    def __init__(self, text: str) -> None:
        # Typographic apostrophes are common in mail written in word processors.
        w = _WORD_RE.findall(text.lower().replace("\u2019", "'"))
        self.count = len(w)
        self.words = set(w)
        self.bigrams = set(itertools.pairwise(w))
        self.trigrams = set(zip(w, w[1:], w[2:], strict=False))


EMAIL_LEXICON = Lexicon(CATEGORIES)

# Brand words as token n-grams ("bank of america" -> a trigram, "at&t" -> ("at", "t")),
# matched like the phrases above instead of with a 250-branch regex.
_BRAND_GRAMS: dict[tuple[str, ...], str] = {}
for _brand_name, (_brand_words, _unused_domains) in BRANDS.items():
    for _brand_word in _brand_words:
        _gram = tuple(_WORD_RE.findall(_brand_word.lower()))[:3]
        if _gram:
            _BRAND_GRAMS[_gram] = _brand_name
_BRAND_UNI = frozenset(g[0] for g in _BRAND_GRAMS if len(g) == 1)
_BRAND_BI = frozenset(g for g in _BRAND_GRAMS if len(g) == 2)
_BRAND_TRI = frozenset(g for g in _BRAND_GRAMS if len(g) == 3)


def brands_in(tokens: Tokens) -> list[str]:
    """Brands named in the text, longest names first ("amazon prime" before "amazon")."""
    found = [_BRAND_GRAMS[g] for g in sorted(_BRAND_TRI & tokens.trigrams)]
    found += [_BRAND_GRAMS[g] for g in sorted(_BRAND_BI & tokens.bigrams)]
    found += [_BRAND_GRAMS[(w,)] for w in sorted(_BRAND_UNI & tokens.words)]
    return list(dict.fromkeys(found))


# -- free-text reports ----------------------------------------------------------
# Reports are short and written by witnesses, so they are read sentence by
# sentence: "asked ... about our roadmap" counts only when the asking and the
# sensitive object share a sentence.

ASK_WORDS = word_set(
    "asked asking asks ask questions questioned quizzed pressed probed pried enquired inquired curious "
    "wanted needed demanded insisted requested request interested digging fishing "
    "preguntó preguntaba pidió perguntou perguntava pediu demandé demandait "
    "fragte fragt wollte chiesto chiedeva vroeg wilde"
)
SENSITIVE_WORDS = word_set(
    "project projects roadmap roadmaps colleague colleagues security access badge badges password passwords "
    "schedule schedules travel clients customers customer research design designs source code network "
    "systems building lab labs contract contracts suppliers supplier team product products prototype "
    "prototypes budget pricing technology specifications specs blueprints drawings formula patent patents "
    "shifts guards cctv cameras servers vpn firewall layout classified confidential internal plans documents "
    "data chart employees staff salaries chip chips programme program defence defense military tender bid "
    "negotiations negotiation proyecto proyectos projeto projetos projet projets projekt projekte progetto "
    "seguridad segurança sécurité sicherheit sicurezza beveiliging colega colegas collègue collègues kollegen "
    "collega colleghi acceso acesso accès zugang accesso toegang clientes kunden viaje viagem voyage reise "
    "viaggio reis planos plans pläne piani documentos documents dokumente documenti"
)
OFFER_WORDS = word_set(
    "offered offer offering offers promised proposed gave give giving pay paying paid bribe ofreció ofereceu "
    "ofrece oferece offert propose angeboten bot offerto offriva bood aangeboden"
)
INDUCEMENT_WORDS = word_set(
    "money cash gift gifts present presents trip trips travel favour favor loan shares fee fees dinner watch "
    "tickets bitcoin envelope payment bribe holiday vacation hotel dinero dinheiro argent geld soldi regalo "
    "regalos presente cadeau cadeaux geschenk geschenke viaje viagem voyage reise viaggio reis honorarium"
)
JOB_WORDS = word_set(
    "job jobs position role post vacancy consulting consultancy consultant advisory advisor research report "
    "reports paper papers interview internship contract freelance work project employment career opening "
    "empleo trabajo emprego vaga poste emploi stelle job lavoro baan vacature"
)
# A negation right before an act verb ("never asked", "did not offer") cancels
# the sentence's acts; a negation elsewhere ("I don't know why, but he asked")
# does not.
_NEGATORS = word_set(
    "never not didn't don't doesn't hasn't haven't wasn't nobody nie nicht nunca jamais mai nooit niet niemand nadie"
)
_NEGATED_VERBS = word_set(
    "ask asked asks offer offered offers take took photograph photographed follow followed try tried touch "
    "touched request requested want wanted give gave send sent leave left enter entered"
)
NEGATED_ACTS = frozenset(itertools.product(_NEGATORS, _NEGATED_VERBS))

REPORT_CATEGORIES: dict[str, tuple[str, ...]] = {
    "inducement": (
        "bribe",
        "bribed",
        "kickback",
        "honorarium",
        "in exchange",
        "envelope of|with|full cash|money",
        "paid trip|travel|holiday|vacation|conference",
        "expensive gift|watch|dinner|bottle",
        "soborno",
        "suborno",
        "bestechung",
        "pot de vin",
        "tangente",
        "pay me|you|us for",
        "for a fee",
        "offered|offering|offers|promised to pay",
        "would pay|reward",
        "free trip|flight|hotel|holiday",
        "expenses paid",
    ),
    # Offers of work; a bare "LinkedIn" or "job" is not one (it is often just context).
    "fake_recruitment": (
        "job offer|opportunity|position",
        "headhunter",
        "headhunted",
        "recruiter",
        "recruiters",
        "consulting opportunity|project|engagement|fee|gig",
        "paid research|survey|consultation|interview|call|project",
        "expert network",
        "hourly rate",
        "think tank",
        "white paper",
        "stellenangebot",
        "offre d'emploi",
        "oferta de empleo|trabajo",
        "vacature",
        "freelance report|reports|research",
    ),
    "technical_surveillance": (
        "usb",
        "usb stick|drive|key|device|cable",
        "thumb drive",
        "memory stick",
        "flash drive",
        "dongle",
        "keylogger",
        "hidden camera|microphone|device|mic",
        "tampered",
        "tampering",
        "tamper",
        "bugged",
        "listening device",
        "gps tracker",
        "airtag",
        "skimmer",
        "pendrive",
        "clé usb",
        "chiavetta",
        "unknown|strange|unfamiliar device|cable|charger|box|gadget",
        "rogue access|wifi|router",
        "usb-stick",
        "plugged in|into",
        "left behind",
        "found a|an device|stick|drive|cable|charger|usb|box",
        "left a|an device|stick|drive|cable|charger|usb|box|gadget",
        "charging cable|station",
    ),
    "physical_approach": (
        "tailgated",
        "tailgating",
        "tailgate",
        "piggybacked",
        "piggybacking",
        "followed me|us|her|him|my",
        "photographed",
        "photographing",
        "filming",
        "filmed",
        "took photos|pictures|photographs",
        "taking photos|pictures|photographs",
        "tried to enter|get|access|come|walk|follow",
        "loitering",
        "drone over|above|near|circling|was|flying|hovering",
        "circling over|above",
        "parked outside",
        "without a badge|escort|pass",
        "without badge|escort|pass",
        "let him|her|them in",
        "held the door",
        "hold the door",
        "me siguió",
        "me seguiu",
        "m'a suivi",
        "gefolgt",
        "fotografierte",
        "fotografió",
        "fotografou",
        "photographié",
        "fotografato",
        "at reception",
        "hanging around",
        "watching the|our building|site|office",
    ),
    "impersonation": (
        "fake profile|account|identity",
        "impersonating",
        "impersonated",
        "impersonation",
        "pretended|pretending to be|work",
        "posing as",
        "posed as",
        "claimed|claiming to work",
        "pretended|claimed|claiming to represent",
        "passed himself|herself off",
        "stolen photo|picture|identity",
        "hizo pasar",
        "passou por",
        "fait passer",
        "gab sich",
        "gaf zich",
    ),
    "extortion": CATEGORIES["extortion"]
    + (
        "threatened",
        "threatening",
        "blackmailed",
        "extort",
        "extortion",
        "unless i|we pay|give|send",
    ),
    "phishing_report": (
        "suspicious link|email|attachment|file|message|website",
        "clicked the|a|on",
        "click the|a|on",
        "open the|an attachment|file|link",
        "a|the link",
        "an|the attachment",
        "login page",
        "fake login|website|site|page",
        "for my password|credentials|login|code|pin",
        "enter my password|credentials",
        "verify my account",
        "phishing",
        "spoofed",
        "qr code",
    ),
    "payment_report": CATEGORIES["payment"]
    + (
        "ceo fraud",
        "gift cards",
        "change of bank",
        "bank details",
    ),
    # Directed contact: something was done to the reporter, not merely observed.
    "contact": (
        "sent me|us",
        "emailed me|us",
        "messaged me|us",
        "texted me|us",
        "called me|us",
        "contacted me|us",
        "approached me|us",
        "rang me",
        "wrote to me|us",
        "invited me|us",
        "added me",
        "connected with me",
        "visited me|us|our",
        "came to our|my",
        "me contactó",
        "me contatou",
        "m'a contacté",
        "kontaktierte mich",
        "mi ha contattato",
        "benaderde me|mij",
    ),
}
REPORT_LEXICON = Lexicon(REPORT_CATEGORIES)
