"""Campaign clustering quality on the shared corpus, and on variants we generate.

    .venv/bin/python bench/campaigns.py [--data ../shared/data] [--variants 400] [--show 12]

1. Weak labels: every message of ../shared/data goes through the real pipeline
   and the real engine in month order (as if reported as it arrived); the
   result is scored against labels.jsonl's `group` key on the messages whose
   group has 3 or more members: pairwise precision, recall, F1 and adjusted
   Rand index, overall and per label. The largest disagreements are printed
   with subjects so that label noise can be told from errors. Also checked:
   no cluster mixes ham with phishing; the largest cluster's size.
2. Generated ground truth: sources are drawn from distinct weak groups; each
   gets variants (renamed recipient and greeting, changed amounts and
   tracking tokens, re-encoded text parts, reordered headers, and for half
   of the phishing and spam variants a footer in another language around
   the same lure). Variants must
   join their source's campaign and distinct sources must stay apart. The
   variants are clustered together with the whole corpus as distractors.

The corpus is read at run time and never copied; nothing here is imported by tests.
"""

from __future__ import annotations

import argparse
import email
import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from difflib import SequenceMatcher
from email import policy
from email.charset import BASE64, QP, Charset
from math import comb
from pathlib import Path
from typing import Any

import numpy as np

from watchword.analysis.pipeline import analyze_email
from watchword.campaigns.batch import cluster_analyses

FIRST = ["Anna", "Ben", "Chloe", "David", "Emma", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi", "Lena"]
LAST = ["Smith", "Müller", "Dubois", "Rossi", "Jansen", "Silva", "Kowalski", "Novak", "Ahmed", "Berg"]
_URL = re.compile(r"https?://[^\s\"'<>]+")
_DIGITS = re.compile(r"\d+")


# -- scoring ---------------------------------------------------------------------------


def pair_scores(gold: list[Any], pred: list[Any]) -> dict[str, float]:
    """Pairwise precision/recall/F1 and ARI of two labelings of the same items."""
    n = len(gold)
    joint = Counter(zip(gold, pred, strict=True))
    same_both = sum(comb(c, 2) for c in joint.values())
    same_gold = sum(comb(c, 2) for c in Counter(gold).values())
    same_pred = sum(comb(c, 2) for c in Counter(pred).values())
    precision = same_both / same_pred if same_pred else 1.0
    recall = same_both / same_gold if same_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    total = comb(n, 2)
    expected = same_gold * same_pred / total if total else 0.0
    top = (same_gold + same_pred) / 2 - expected
    ari = (same_both - expected) / top if top else 1.0
    return {"n": n, "precision": precision, "recall": recall, "f1": f1, "ari": ari}


def fmt(s: dict[str, float]) -> str:
    return (
        f"n={s['n']:5d}  precision={s['precision']:.3f}  recall={s['recall']:.3f}  F1={s['f1']:.3f}  ARI={s['ari']:.3f}"
    )


# -- variants -----------------------------------------------------------------------------


# Boilerplate a wave picks up when it is re-sent through another mailer or
# country: a footer in another language, with an address line no list knows.
FOOTERS = [
    "You are receiving this email because you signed up at our website. To unsubscribe, click here.\n"
    "© 2025 Northwind Retail Ltd, 12 Harbour Road, Leeds LS1 4AB. All rights reserved. Privacy policy",
    "Sie erhalten diese E-Mail, weil Sie sich auf unserer Website angemeldet haben. Hier abmelden.\n"
    "© 2025 Nordwind Handel GmbH, Hafenstraße 12, 20457 Hamburg. Alle Rechte vorbehalten. Datenschutz",
    "Vous recevez cet e-mail car vous êtes inscrit sur notre site. Pour vous désabonner, cliquez ici.\n"
    "© 2025 Vent du Nord SARL, 12 rue du Port, 13002 Marseille. Tous droits réservés.",
    "Ha recibido este correo porque se registró en nuestro sitio web. Para darse de baja, haga clic aquí.\n"
    "© 2025 Viento Norte S.L., Calle del Puerto 12, 28001 Madrid. Todos los derechos reservados.",
]


def _mutate_text(text: str, rng: random.Random, name: str, html: bool, footer: bool) -> str:
    def url(m: re.Match[str]) -> str:
        base = m.group().split("?", 1)[0]
        return f"{base}?uid={rng.randrange(10**9):x}&utm_campaign=r{rng.randrange(10**6)}"

    pieces = _URL.split(text)
    urls = [url(m) for m in _URL.finditer(text)]
    out = []
    for i, piece in enumerate(pieces):
        out.append(_DIGITS.sub(lambda m: str(rng.randrange(10 ** len(m.group()))), piece))
        if i < len(urls):
            out.append(urls[i])
    body = "".join(out)
    if footer and rng.random() < 0.5:  # translated boilerplate around the same lure
        footer = rng.choice(FOOTERS)
        footer = "<p>" + footer.replace("\n", "<br>\n") + "</p>" if html else "\n\n" + footer
        body = (
            re.sub(r"(</body>)", lambda m: footer + m.group(1), body, count=1, flags=re.I)
            if html and "</body>" in body.lower()
            else body + footer
        )
    greeting = f"<p>Dear {name},</p>\n" if html else f"Dear {name},\n\n"
    if html and "<body" in body.lower():
        return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + greeting, body, count=1, flags=re.I)
    return greeting + body


def make_variant(raw: bytes, rng: random.Random, footer: bool = True) -> bytes:
    msg = email.message_from_bytes(raw, policy=policy.compat32)
    first, last = rng.choice(FIRST), rng.choice(LAST)
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text" or part.get_filename():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, errors="replace")
        except LookupError:
            text = payload.decode("utf-8", errors="replace")
        text = _mutate_text(text, rng, f"{first} {last}", part.get_content_subtype() == "html", footer)
        cs = Charset("utf-8")
        cs.body_encoding = rng.choice([BASE64, QP])  # re-encoded transfer encoding
        del part["Content-Transfer-Encoding"]
        part.set_payload(text, cs)
    del msg["To"]
    # Reordered headers: the recipient moves to the top, two others swap.
    items = list(msg._headers)
    non_received = [i for i, (k, _) in enumerate(items) if k.lower() != "received"]
    if len(non_received) >= 2:
        a, b = rng.sample(non_received, 2)
        items[a], items[b] = items[b], items[a]
    items.insert(0, ("To", f"{first} {last} <{first.lower()}.{last.lower()}@example.org>"))
    msg._headers = items
    return msg.as_bytes()


# -- the run ------------------------------------------------------------------------------


def load(data: Path) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (data / "labels.jsonl").read_text().splitlines() if line.strip()]
    rows.sort(key=lambda r: (r["month"] or "", r["path"]))  # arrival order
    return rows


def analyse_all(data: Path, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    t0 = time.perf_counter()
    for row in rows:
        out.append(analyze_email((data / row["path"]).read_bytes()).to_dict())
    dt = time.perf_counter() - t0
    print(f"pipeline: {len(rows)} messages in {dt:.1f}s ({len(rows) / dt:.0f}/s)")
    return out


def similarity(a: list[int], b: list[int]) -> float:
    """Jaccard estimate of two MinHash signatures."""
    if not a or len(a) != len(b):
        return 0.0
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def _canonical_group(group: str) -> str:
    # The weak key keeps "re #" prefixes and drops non-ASCII letters
    # inconsistently ("gl ckwunsch" and "gluckwunsch" are one subject).
    key = re.sub(r"^(s:)?(re #? ?)+", "", group)
    return re.sub(r"[^a-z]", "", key)


def _same_weak_label(a: str, b: str) -> bool:
    ca, cb = _canonical_group(a), _canonical_group(b)
    return ca == cb or (min(len(ca), len(cb)) >= 8 and SequenceMatcher(None, ca, cb).ratio() >= 0.9)


_PAYLOAD_KINDS = ("url", "phone", "wallet", "iban", "social", "attachment", "org")


def _root(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def label_noise(
    rows: list[dict[str, Any]],
    results: list[dict[str, Any]],
    clusters: list[Any],
    keep: list[int],
    threshold: float = 0.5,
) -> tuple[int, int, Counter[str]]:
    """(predicted pairs, pairs the weak labels call wrong, why each wrong pair may be label noise).

    A wrong pair is label noise when (in this order): the two normalised texts
    are near-duplicates (estimated Jaccard >= threshold) and only the subject
    differs, which is what the weak key is made from; or the two weak keys are
    the same subject spelt differently; or the two reports share a payload
    indicator (the same landing URL path, phone, wallet, attachment...), which
    is the issue's own definition of one campaign; or they link to the same
    registrable domain and their texts overlap (Jaccard >= 0.2: one template,
    reworded). A pair with none of these directly may still be one campaign by
    the same definition through other reports (A shares a phone with B, B is a
    near-copy of C): such pairs are counted as chained. Only what is left is
    counted as an error. The evidence is recomputed here from the analyses,
    not taken from the engine's decisions, so a join the engine made on weaker
    grounds (a shared sender, a subject) stays an error.
    """
    by_pred: dict[Any, list[int]] = defaultdict(list)
    for i in keep:
        by_pred[clusters[i]].append(i)
    payload = {
        i: {k for k in results[i].get("campaign_keys", []) if k.split(":", 1)[0] in _PAYLOAD_KINDS} for i in keep
    }
    domains = {i: {k for k in results[i].get("campaign_keys", []) if k.startswith("domain:")} for i in keep}

    def direct(a: int, b: int) -> str:
        jaccard = similarity(results[a]["shingles"], results[b]["shingles"])
        if jaccard >= threshold:
            return "same text, other subject"
        if _same_weak_label(rows[a]["group"], rows[b]["group"]):
            return "same subject, weak key spelt differently"
        if payload[a] & payload[b]:
            return "shared payload indicator"
        if domains[a] & domains[b] and jaccard >= 0.2:
            return "shared link domain, related text"
        return ""

    pairs = wrong = 0
    why: Counter[str] = Counter()
    for members in by_pred.values():
        parent = {m: m for m in members}
        unexplained = []
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = members[x], members[y]
                pairs += 1
                same = rows[a]["group"] == rows[b]["group"]
                reason = "" if same else direct(a, b)
                if same or reason:
                    parent[_root(parent, a)] = _root(parent, b)  # an explained link, for chains
                if same:
                    continue
                wrong += 1
                if reason:
                    why[reason] += 1
                else:
                    unexplained.append((a, b))
        for a, b in unexplained:
            why["chained through other reports" if _root(parent, a) == _root(parent, b) else "error"] += 1
    return pairs, wrong, why


def disagreements(
    rows: list[dict[str, Any]], results: list[dict[str, Any]], clusters: list[Any], keep: list[int], show: int
) -> None:
    by_pred: dict[Any, list[int]] = defaultdict(list)
    by_gold: dict[str, list[int]] = defaultdict(list)
    for i in keep:
        by_pred[clusters[i]].append(i)
        by_gold[rows[i]["group"]].append(i)
    # Precision losses: predicted clusters that join several gold groups.
    lost = []
    for c, members in by_pred.items():
        groups = Counter(rows[i]["group"] for i in members)
        if len(groups) > 1:
            wrong = comb(len(members), 2) - sum(comb(v, 2) for v in groups.values())
            lost.append((wrong, c, groups))
    lost.sort(key=lambda t: -t[0])
    print(f"\nlargest joins across weak groups (false pairs, cluster, groups joined) - top {show}:")
    for wrong, c, groups in lost[:show]:
        print(f"  {wrong:5d} pairs  cluster {c}: " + "; ".join(f"{g!r}x{n}" for g, n in groups.most_common(4)))
    split = []
    for g, members in by_gold.items():
        parts = Counter(clusters[i] for i in members)
        if len(parts) > 1:
            missed = comb(len(members), 2) - sum(comb(v, 2) for v in parts.values())
            split.append((missed, g, parts, members))
    split.sort(key=lambda t: -t[0])
    print(f"\nlargest weak groups split apart (missed pairs, group, part sizes) - top {show}:")
    for missed, g, parts, members in split[:show]:
        subjects = Counter(results[i]["subject"][:50] for i in members).most_common(2)
        sizes = sorted(parts.values(), reverse=True)[:8]
        print(f"  {missed:5d} pairs  {g!r} [{rows[members[0]]['label']}]: parts {sizes}  subjects {subjects}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    ap.add_argument("--variants", type=int, default=400, help="sources to generate variants from")
    ap.add_argument("--per-source", type=int, default=3)
    ap.add_argument("--show", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    if not (args.data / "labels.jsonl").exists():
        sys.exit(f"no corpus at {args.data}")
    rows = load(args.data)
    results = analyse_all(args.data, rows)

    t0 = time.perf_counter()
    batch = cluster_analyses(results)
    dt = time.perf_counter() - t0
    clusters = batch.clusters
    print(f"engine: {len(rows)} reports assigned in {dt * 1000:.0f} ms ({dt / len(rows) * 1e6:.0f} µs/report)")

    sizes = Counter(g for g in (r["group"] for r in rows) if g)
    keep = [i for i, r in enumerate(rows) if r["group"] and sizes[r["group"]] >= 3 and clusters[i] is not None]
    print("\n== weak labels, groups of >= 3 ==")
    print("all    " + fmt(pair_scores([rows[i]["group"] for i in keep], [clusters[i] for i in keep])))
    for label in ("phish", "spam", "ham"):
        sub = [i for i in keep if rows[i]["label"] == label]
        print(f"{label:6s} " + fmt(pair_scores([rows[i]["group"] for i in sub], [clusters[i] for i in sub])))

    print("\nfalse pairs by the weak labels, and how many are label noise:")
    for label in ("all", "phish", "spam", "ham"):
        sub = [i for i in keep if label == "all" or rows[i]["label"] == label]
        pairs, wrong, why = label_noise(rows, results, clusters, sub)
        if pairs:
            noise = wrong - why["error"]
            print(
                f"{label:6s} {wrong} of {pairs} pairs; "
                + ", ".join(f"{k}: {v}" for k, v in why.most_common())
                + f" -> precision with label noise discounted: {(pairs - wrong + noise) / pairs:.3f}"
            )

    # The accounting must be able to fail: on the same clusters with a third
    # of them merged into random others, the added pairs must show as errors.
    rng_control = random.Random(args.seed)
    roots = sorted({clusters[i] for i in keep})
    merged = {r: (rng_control.choice(roots) if rng_control.random() < 0.3 else r) for r in roots}
    control = [merged.get(c, c) for c in clusters]
    pairs, wrong, why = label_noise(rows, results, control, keep)
    print(
        f"control (30% of clusters merged into random others): precision {(pairs - wrong) / pairs:.3f}, "
        f"with label noise discounted {(pairs - why['error']) / pairs:.3f}"
    )

    labels_in: dict[Any, Counter[str]] = defaultdict(Counter)
    for i, r in enumerate(rows):
        if clusters[i] is not None:
            labels_in[clusters[i]][r["label"]] += 1
    mixed = [(c, cnt) for c, cnt in labels_in.items() if cnt["ham"] and cnt["phish"]]
    print(
        f"\nclusters mixing ham and phishing: {len(mixed)}"
        + ("" if not mixed else "  " + "; ".join(f"{c}: {dict(cnt)}" for c, cnt in mixed[:8]))
    )
    biggest = sorted(labels_in.items(), key=lambda t: -sum(t[1].values()))[:5]
    print("largest clusters: " + "; ".join(f"{sum(cnt.values())} {dict(cnt)}" for _, cnt in biggest))
    print(f"clusters: {len(labels_in)} for {len(rows)} reports")
    disagreements(rows, results, clusters, keep, args.show)

    # -- generated variants ----------------------------------------------------------
    rng = random.Random(args.seed)
    seen_groups: set[str] = set()
    seen_hashes: set[str] = set()
    order = list(range(len(rows)))
    rng.shuffle(order)
    # Distinct sources must really be distinct: other weak groups, other
    # campaigns in the corpus run above, other content, no near-duplicate text
    # (estimated Jaccard < 0.3) and no shared payload key with a source
    # already chosen. Otherwise "keep them apart" would punish joining one
    # lure sent under two subjects, or two posts of one thread; what is
    # tested is that variants find their source and never glue two sources.
    seen_clusters: set[Any] = set()
    sources: list[int] = []
    chosen_sigs = np.empty((0, 64), dtype=np.uint64)
    chosen_keys: set[str] = set()
    for i in order:
        g, h = rows[i]["group"] or f"#{i}", results[i]["content_hash"]
        sig = results[i]["shingles"]
        if (
            g in seen_groups
            or h in seen_hashes
            or not h
            or len(sig) != 64
            or clusters[i] in seen_clusters
            or results[i]["scope"] == "out_of_scope"
        ):
            continue
        payload = {k for k in results[i]["campaign_keys"] if k.split(":", 1)[0] in _PAYLOAD_KINDS}
        arr = np.array(sig, dtype=np.uint64)
        if payload & chosen_keys or (len(chosen_sigs) and (chosen_sigs == arr).mean(axis=1).max() >= 0.3):
            continue
        seen_groups.add(g)
        seen_hashes.add(h)
        seen_clusters.add(clusters[i])
        chosen_keys |= payload
        chosen_sigs = np.vstack([chosen_sigs, arr])
        sources.append(i)
        if len(sources) >= args.variants:
            break
    variant_results, family = [], []
    t0 = time.perf_counter()
    for i in sources:
        raw = (args.data / rows[i]["path"]).read_bytes()
        for _ in range(args.per_source):
            # Waves are re-sent with other boilerplate; a personal or list
            # message that grew a marketing footer reads as bulk mail, another
            # class, where only near-copies join (engine.CROSS_CLASS_BANDS).
            footer = rows[i]["label"] != "ham"
            variant_results.append(analyze_email(make_variant(raw, rng, footer)).to_dict())
            family.append(i)
    print(
        f"\n== generated variants: {len(sources)} sources x {args.per_source} "
        f"({time.perf_counter() - t0:.1f}s to generate and analyse) =="
    )
    # Variants arrive after the whole corpus, which stays in the index as distractors.
    batch = cluster_analyses(results + variant_results)
    allc = batch.clusters
    items = [(i, i) for i in sources] + [(len(results) + j, src) for j, src in enumerate(family)]
    gold = [src for _, src in items]
    pred = [allc[idx] for idx, _ in items]
    print("variants " + fmt(pair_scores(gold, pred)))
    lost = [src for src in sources if len({allc[idx] for idx, s in items if s == src}) > 1]
    print(f"sources whose variants did not all join: {len(lost)}")
    for src in lost[: args.show]:
        members = [idx for idx, s in items if s == src]
        where = ", ".join(
            f"{allc[idx]}"
            + ("" if batch.assignments[idx] is None else f" ({'; '.join(batch.assignments[idx].reasons[:2]) or 'new'})")  # type: ignore[union-attr]
            for idx in members
        )
        print(f"  {rows[src]['path']}  subject {results[src]['subject'][:50]!r}: source, variants in {where}")
    glued = Counter(p for p in set(zip(pred, gold, strict=True)))
    shared = [c for c, n in Counter(c for c, _ in glued).items() if n > 1]
    print(f"clusters holding more than one source: {len(shared)}")
    for c in shared[: args.show]:
        srcs = sorted({s for p, s in zip(pred, gold, strict=True) if p == c})
        print("  " + " | ".join(f"{results[s]['subject'][:40]!r}" for s in srcs[:4]))


if __name__ == "__main__":
    main()
