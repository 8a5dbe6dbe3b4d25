"""The pure side of campaigns: normalisation, fingerprints and the clustering engine.

Synthetic messages only: personalised copies of one wave, distinct lures, free-text
reports about one persona, and values every sender shares.
"""

from __future__ import annotations

import random

from tests.support.campaign_mail import LURES, list_post, make_email, sorting_thread
from watchword.analysis.fingerprint import NUM_PERM, normalise_tokens
from watchword.analysis.pipeline import analyze_email, analyze_text
from watchword.campaigns import engine
from watchword.campaigns.batch import cluster_analyses, cluster_features
from watchword.campaigns.engine import HIGH, LOW, ClusterIndex, Features, MemoryBackend


def feats(text_key: str, keys: tuple[str, ...] = (), cls: str = HIGH, seed: int = 0) -> Features:
    """Features with a synthetic signature: the same `text_key` gives the same text."""
    rng = random.Random(f"{text_key}")
    sig = tuple(rng.randrange(2**32) for _ in range(NUM_PERM)) if text_key else ()
    return Features(content_hash=f"{text_key}-{seed}", signature=sig, keys=keys, risk_class=cls)


# -- normalisation and fingerprints -------------------------------------------------


def test_normalisation_removes_personalisation_but_keeps_the_lure() -> None:
    tokens = normalise_tokens(
        "Dear Alice Martin,\nYour invoice 48213 of 12/03/2025 is due: https://pay.example/x?id=9f8e7d6c5b4a\n"
        "Contact alice.martin@corp.example today."
    )
    text = " ".join(tokens)
    assert "alice" not in text and "martin" not in text
    assert "48213" not in text and "9f8e7d6c5b4a" not in text
    assert "pay example" in text and "invoice" in text and "due" in text


def test_personalised_copies_of_one_wave_have_one_content_hash() -> None:
    """GIVEN copies differing in recipient, amounts, dates, tracking tokens, transfer encoding and
    header order WHEN fingerprinted THEN they share the normalised content hash (sightings)."""
    rng = random.Random(1)
    hashes = {
        analyze_email(make_email("payroll", rng, encoding=enc, reorder=True)).content_hash
        for enc in ("8bit", "base64", "qp", "8bit", "base64")
    }
    assert len(hashes) == 1 and "" not in hashes


def test_fingerprint_emits_typed_keys_for_links_and_senders() -> None:
    analysis = analyze_email(make_email("parcel", random.Random(2)))
    keys = set(analysis.campaign_keys)
    assert "url:parcel-fees-now.xyz/pay" in keys  # host+path, query dropped
    assert "domain:parcel-fees-now.xyz" in keys
    assert "sender:notify@parcel-sender.example" in keys
    assert len(analysis.shingles) == NUM_PERM


# -- the engine ------------------------------------------------------------------------


def test_waves_cluster_together_and_distinct_lures_stay_apart() -> None:
    rng = random.Random(3)
    inputs, truth = [], []
    for i in range(30):
        lure = ("payroll", "parcel", "mailbox")[i % 3]
        inputs.append(analyze_email(make_email(lure, rng, encoding=("8bit", "qp", "base64")[i % 3])).to_dict())
        truth.append(lure)
    clusters = cluster_analyses(inputs).clusters
    by_lure = {lure: {c for c, t in zip(clusters, truth, strict=True) if t == lure} for lure in LURES}
    assert all(len(ids) == 1 for ids in by_lure.values()), by_lure
    assert len(set().union(*by_lure.values())) == 3


def test_an_exact_normalised_duplicate_is_a_sighting() -> None:
    index = ClusterIndex(MemoryBackend())
    first = index.assign(feats("wave"))
    again = index.assign(feats("wave"))
    assert first.created and again.duplicate and again.cluster == first.cluster


def test_near_duplicate_text_joins_and_unrelated_text_does_not() -> None:
    base = [random.Random(5).randrange(2**32) for _ in range(NUM_PERM)]
    near = list(base)
    for i in range(0, NUM_PERM, 8):  # about 12% of the MinHash rows differ: Jaccard ~0.88
        near[i] += 1
    other = [random.Random(6).randrange(2**32) for _ in range(NUM_PERM)]
    index = ClusterIndex(MemoryBackend())
    a = index.assign(Features("a", tuple(base), ()))
    b = index.assign(Features("b", tuple(near), ()))
    c = index.assign(Features("c", tuple(other), ()))
    assert b.cluster == a.cluster and c.cluster != a.cluster


def test_shared_payload_indicator_links_different_texts() -> None:
    index = ClusterIndex(MemoryBackend())
    a = index.assign(feats("lure one", ("url:landing.example/kit/login.php", "phone:+442079460958")))
    b = index.assign(feats("lure two", ("url:landing.example/kit/login.php",)))
    c = index.assign(feats("lure three", ("phone:+442079460958",)))
    assert a.cluster == b.cluster == c.cluster


def test_ubiquitous_values_never_link_on_their_own() -> None:
    index = ClusterIndex(MemoryBackend())
    shared = (
        "domain:gmail.com",
        "sdomain:gmail.com",
        "url:bit.ly",
        "domain:cloudfront.net",
        "domain:sendgrid.net",
        "url:www.microsoft.com/en-us/privacy",
    )
    clusters = {index.assign(feats(f"text {i}", shared)).cluster for i in range(20)}
    assert len(clusters) == 20


def test_a_key_seen_in_many_distinct_contents_becomes_ubiquitous_and_its_postings_stop_growing() -> None:
    """GIVEN a URL path that every unrelated text carries WHEN more than its cap of distinct contents
    have carried it THEN it no longer links, and its posting list holds at most cap+1 entries."""
    backend = MemoryBackend()
    index = ClusterIndex(backend)
    cap = engine.CAPS["url"]
    key = "url:tracker.example/pixel.gif"
    clusters = [index.assign(feats(f"unrelated {i}", (key,))).cluster for i in range(cap * 5)]
    # The first cap+1 are glued by the key (it looked specific), later ones are not.
    assert len(set(clusters[: cap + 1])) == 1
    assert len(set(clusters[cap + 2 :])) == len(clusters) - cap - 2
    posted = backend.postings([engine.hash_key(f"{HIGH}|{key}")])
    assert len(next(iter(posted.values()))) == cap + 1


def test_benign_mail_never_joins_a_high_risk_campaign_through_a_shared_key() -> None:
    index = ClusterIndex(MemoryBackend())
    phish = index.assign(feats("phish", ("url:brand-login.example/signin", "domain:brand-login.example")))
    ham = index.assign(feats("newsletter", ("url:brand-login.example/signin", "domain:brand-login.example"), LOW))
    assert ham.cluster != phish.cluster


def test_a_domain_attaches_with_corroboration_but_never_glues_two_campaigns() -> None:
    """GIVEN two campaigns of distinct texts WHEN a report shares a registrable domain with one and its
    subject with the other THEN it may join one of them, but the two campaigns stay apart."""
    index = ClusterIndex(MemoryBackend())
    a = index.assign(feats("text a", ("sdomain:shop-a.example", "subject:your order is ready")))
    b = index.assign(feats("text b", ("sdomain:shop-b.example", "subject:claim your reward now")))
    c = index.assign(feats("text c", ("sdomain:shop-a.example", "subject:claim your reward now")))
    assert a.cluster != b.cluster
    assert c.absorbed == []
    assert index.backend.find(a.cluster) != index.backend.find(b.cluster)


def test_text_bridges_two_clusters_when_both_are_near_duplicates() -> None:
    base = [random.Random(7).randrange(2**32) for _ in range(NUM_PERM)]
    left = [v + 1 if i % 4 == 0 else v for i, v in enumerate(base)]  # differs in the first row of each band
    right = [v + 1 if i % 4 == 1 else v for i, v in enumerate(base)]  # ... and in the second row
    index = ClusterIndex(MemoryBackend())
    a = index.assign(Features("l", tuple(left), ("phone:+15550001",)))
    b = index.assign(Features("r", tuple(right), ("phone:+15550002",)))
    assert a.cluster != b.cluster  # no band in common
    bridge = index.assign(Features("m", tuple(base), ("phone:+15550001", "phone:+15550002")))
    assert bridge.absorbed and index.backend.find(a.cluster) == index.backend.find(b.cluster)


def test_free_text_reports_about_one_persona_join_one_campaign() -> None:
    reports = [
        "A recruiter from Northbridge Talent Partners phoned me offering a paid consulting project on our "
        "radar work. He asked for the test reports.",
        "Got a LinkedIn message from a woman at Northbridge Talent Partners. She wants me to write a short "
        "paid report about our supply chain.",
        "Someone called from +44 20 7946 0958 saying he was a headhunter with an exciting role abroad.",
        "Headhunter rang again from +44 20 7946 0958 and asked which projects I work on.",
        "The canteen was out of coffee again today.",
    ]
    analyses = [analyze_text(t).to_dict() for t in reports]
    clusters = cluster_analyses(analyses).clusters
    assert clusters[0] == clusters[1]
    assert clusters[2] == clusters[3]
    assert clusters[4] not in (clusters[0], clusters[2])


def test_out_of_scope_reports_are_never_clustered() -> None:
    assert Features.from_analysis({"scope": "out_of_scope", "content_hash": "x", "shingles": []}) is None
    result = cluster_features([None, feats("a")])
    assert result.clusters[0] is None and result.clusters[1] is not None


def test_a_common_domain_never_glues_a_giant_campaign() -> None:
    """GIVEN 300 unrelated texts that all link to one popular (unlisted) shop domain and come from it
    WHEN assigned THEN no campaign is glued together by the domain alone."""
    index = ClusterIndex(MemoryBackend())
    keys = ("domain:big-shop.xyz", "sdomain:big-shop.xyz", "sender:news@big-shop.xyz")
    clusters = [index.assign(feats(f"issue {i}", keys)).cluster for i in range(300)]
    assert max(clusters.count(c) for c in set(clusters)) == 1


# -- threads and addresses in subjects -----------------------------------------------


def test_replies_share_their_threads_root_and_a_quoted_mailbox_is_not_a_thread() -> None:
    root = analyze_email(
        list_post("Sorting", "How do you sort folders by date?", "ann@a.example", "20020828164409.8826ac44d@a.example")
    )
    reply = analyze_email(
        list_post(
            "Re: Sorting",
            "I use the pick command for that.",
            "bo@b.example",
            "3d6f1e2a.77b@b.example",
            references="<20020828164409.8826ac44d@a.example>",
        )
    )
    quoted = analyze_email(
        b"From: x@c.example\r\nTo: y@d.example\r\nSubject: Re: hi\r\n"
        b"In-Reply-To: <garym@canada.example>\r\n\r\nfine, thanks"
    )
    assert "thread:20020828164409.8826ac44d@a.example" in root.campaign_keys
    assert "thread:20020828164409.8826ac44d@a.example" in reply.campaign_keys
    # One list, one subject: a thread even without References.
    assert "thread:talk.lists.example.org|sorting" in reply.campaign_keys
    assert not any(k.startswith("thread:") for k in quoted.campaign_keys)


def test_a_benign_thread_with_a_one_word_subject_is_one_cluster_and_two_threads_stay_apart() -> None:
    posts = [
        *sorting_thread(1000),
        list_post("Fonts", "Which font setting controls the folder list?", "cy@c.example", "200001.c@c.example"),
        list_post(
            "Re: Fonts",
            "It is in the preferences under display.",
            "bo@b.example",
            "200002.b@b.example",
            references="<200001.c@c.example>",
        ),
    ]
    clusters = cluster_analyses(analyze_email(p).to_dict() for p in posts).clusters
    assert clusters[0] == clusters[1] == clusters[2]
    assert clusters[3] == clusters[4]
    assert clusters[0] != clusters[3]


def test_the_recipients_address_in_a_subject_is_personalisation() -> None:
    base = b"From: Prize Team <win@prize-desk.example>\r\nTo: %s\r\nSubject: %s\r\n\r\nClaim your prize now."
    plain = analyze_email(base % (b"anna@corp.example", b"Please verify"))
    greeted = analyze_email(base % (b"phishing@pot", b"phishing@pot, Please verify"))
    assert plain.content_hash == greeted.content_hash
    assert "subject:please verify" in greeted.campaign_keys


def test_free_text_personas_link_by_firm_publication_and_handle_however_written() -> None:
    reports = [
        "A headhunter from Northbridge Consulting Ltd. offered me a job and asked about our customers.",
        "Northbridge Consulting contacted me with a job offer and questions about our tender.",
        "A woman claiming to be a journalist from Global Tech Review asked about our chip designs.",
        "Someone who said she wrote for The Global Tech Review wanted to interview me about the chip roadmap.",
        "Telegram user @sat_consult_jane asked me to write a paid white paper about our ground stations.",
        "I was contacted by @sat_consult_jane on Telegram, offering money for research on our suppliers.",
    ]
    results = [analyze_text(t).to_dict() for t in reports]
    assert "org:northbridge consulting" in results[1]["campaign_keys"]
    assert "social:t.me/sat_consult_jane" in results[5]["campaign_keys"]
    clusters = cluster_analyses(results).clusters
    assert clusters[0] == clusters[1] and clusters[2] == clusters[3] and clusters[4] == clusters[5]
    assert len({clusters[0], clusters[2], clusters[4]}) == 3


def test_the_same_lure_in_translated_boilerplate_is_one_content() -> None:
    """GIVEN one lure sent with an English footer, a German one, and none WHEN fingerprinted THEN
    the boilerplate is left out and the three are one content (sightings of one wave)."""
    lure = (
        "Hello Anna,\nYour parcel 4471 is held at the depot because a customs fee of 2.99 EUR is unpaid.\n"
        "Pay the fee today at https://parcel-fees-now.xyz/pay?ref=8c1e to schedule a new delivery.\n"
    )
    footers = [
        "",
        "You are receiving this email because you are a customer. To unsubscribe, click here.\n"
        "© 2025 Parcel Services Ltd, 1 Dock Road, Leeds. All rights reserved.",
        "Sie erhalten diese E-Mail, weil Sie Kunde sind. Hier abmelden.\n"
        "© 2025 Paketdienst GmbH, Hafenstraße 1, Hamburg. Alle Rechte vorbehalten. Datenschutz",
    ]
    hashes = set()
    for footer in footers:
        raw = (
            "From: Parcel <info@parcel-notice.example>\r\nTo: anna@corp.example\r\nSubject: Parcel held\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + lure + "\n" + footer
        ).encode()
        hashes.add(analyze_email(raw).content_hash)
    assert len(hashes) == 1


def test_boilerplate_removal_stops_at_the_sentence_on_a_long_line() -> None:
    from watchword.analysis.fingerprint import strip_boilerplate

    one_line = (
        "Your mailbox is full and incoming mail will be rejected. Verify your account at the portal. "
        "If you no longer wish to receive these notices, click here. Thanks, IT Service Desk"
    )
    kept = strip_boilerplate(one_line)
    assert "your mailbox is full" in kept and "verify your account" in kept and "it service desk" in kept
    assert "no longer wish" not in kept
