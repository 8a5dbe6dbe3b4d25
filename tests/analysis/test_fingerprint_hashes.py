"""The fingerprint's shingle hashes: stored signatures are compared across runs, so the hash must not drift."""

from __future__ import annotations

import zlib

import numpy as np

from watchword.analysis.fingerprint import gram_hashes, minhash, normalise_tokens, shingle_hashes


def _gram_in_python(a: str, b: str, c: str) -> int:
    """The documented combination, written out with Python integers (mod 2**64, low 32 bits)."""
    ids = [zlib.crc32(w.encode()) for w in (a, b, c)]
    mask64 = 2**64 - 1
    gram = ((((ids[0] * 0x9E3779B1 + ids[1]) & mask64) * 0x85EBCA77 + ids[2]) & mask64) & 0xFFFFFFFF
    return gram ^ (gram >> 15)


def test_gram_hashes_are_the_crc32_combination_of_each_three_words() -> None:
    tokens = normalise_tokens("Your mailbox is full. Verify your mailbox is yours, or it closes today.")
    expected = [_gram_in_python(*tokens[i : i + 3]) for i in range(len(tokens) - 2)]
    assert gram_hashes(tokens).tolist() == expected


def test_repeated_shingles_give_the_signature_of_the_distinct_ones() -> None:
    tokens = ("please verify your account now " * 5 + "or lose access").split()
    grams = gram_hashes(tokens)
    distinct = shingle_hashes(tokens)
    assert len(grams) == len(tokens) - 2 > len(distinct)
    assert distinct.tolist() == sorted(set(grams.tolist()))
    assert minhash(grams) == minhash(distinct)
    assert len(minhash(grams)) == 64


def test_short_and_empty_token_lists() -> None:
    assert gram_hashes([]).size == 0 and minhash(gram_hashes([])) == []
    two = gram_hashes(["hello", "there"])
    assert two.dtype == np.uint64 and two.size == 1
    assert minhash(two) == minhash(shingle_hashes(["hello", "there"]))


def test_minhash_is_the_multiply_shift_minimum_written_out() -> None:
    """Each value is min over the hashes of the high 32 bits of (a*h + b) mod 2**64, per permutation
    (minhash takes the minimum before the shift; the shift is monotonic, so the two are equal)."""
    from watchword.analysis.fingerprint import permutations

    multipliers, offsets = permutations()
    hashes = gram_hashes(normalise_tokens("Dear customer, your parcel is held at customs; pay the fee to release it."))
    expected = [
        min((((int(a) * int(h)) + int(b)) & (2**64 - 1)) >> 32 for h in hashes.tolist())
        for a, b in zip(multipliers.tolist(), offsets.tolist(), strict=True)
    ]
    assert minhash(hashes) == expected


def test_the_permutations_are_the_seeded_draws_signatures_were_stored_with() -> None:
    """Made on first use now (numpy imported then): the same draws, in the same order, as when they
    were module constants; a change would make every stored signature incomparable."""
    from watchword.analysis.fingerprint import NUM_PERM, permutations

    rng = np.random.default_rng(0x5EED)
    a = rng.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63 - 1, size=NUM_PERM, dtype=np.uint64)
    got_a, got_b = permutations()
    assert got_a.tolist() == a.tolist() and got_b.tolist() == b.tolist()
    assert got_a.tolist()[:2] == [2544338086351585019, 18266162550359078449]
