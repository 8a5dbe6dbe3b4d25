"""Redirectors and click trackers are unwrapped from the URL alone: the destination is the
indicator, the wrapper is context that never links two reports into a campaign."""

from __future__ import annotations

import pytest

from watchword.analysis.fingerprint import campaign_keys
from watchword.analysis.indicators import find_indicators, indicators_of_target
from watchword.analysis.redirectors import unwrap
from watchword.campaigns.ubiquitous import is_ubiquitous_key
from watchword.domain import Document, Link

EVIL = "https://evil-login.example.net/signin?a=1"
Q = "https%3A%2F%2Fevil-login.example.net%2Fsignin%3Fa%3D1"


@pytest.mark.parametrize(
    ("wrapped", "wrapper"),
    [
        ("https://www.googleadservices.com/pagead/aclk?sa=L&ai=CbmAAEd&adurl=" + EVIL.replace("&", "%26"), "Google ad"),
        ("https://www.google.com/url?q=https%3A%2F%2Fevil-login.example.net%2Fsignin%3Fa%3D1&sa=D", "Google redirect"),
        (
            "https://nam12.safelinks.protection.outlook.com/?url="
            + Q
            + "&data=05%7C01%7Cjoe%40corp.example&reserved=0",
            "Safe Links",
        ),
        ("https://urldefense.proofpoint.com/v1/url?u=https://evil-login.example.net/signin?a%3D1&k=x", "v1"),
        ("https://urldefense.proofpoint.com/v2/url?u=https-3A__evil-2Dlogin.example.net_signin-3Fa-3D1&d=DwMF", "v2"),
        ("https://urldefense.com/v3/__https://evil-login.example.net/signin?a*1__;PQ!!ABC!xyz$", "v3"),
        ("https://clicktime.symantec.com/15t5Z?u=" + Q, "Symantec"),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fevil-login.example.net%2Fsignin%3Fa%3D1&h=AT0", "Facebook"),
        (
            "https://www.linkedin.com/redir/redirect?url=" + Q,
            "LinkedIn",
        ),
        (
            "https://player.socastsrm.com/player/link?h=1&url=" + Q,
            "SoCast",
        ),
        # Safe Links around Proofpoint around the destination
        (
            "https://eur01.safelinks.protection.outlook.com/?url=https%3A%2F%2Furldefense.proofpoint.com%2Fv2%2Furl"
            "%3Fu%3Dhttps-3A__evil-2Dlogin.example.net_signin-3Fa-3D1%26d%3Dx",
            "Safe Links",
        ),
    ],
)
def test_the_destination_becomes_the_indicator_and_the_wrapper_does_not(wrapped: str, wrapper: str) -> None:
    found = unwrap(wrapped)
    assert found is not None and wrapper.split()[0] in found.wrapper
    assert found.target == EVIL
    values = dict.fromkeys(v for _, v in indicators_of_target(wrapped))
    assert EVIL in values and "evil-login.example.net" in values
    assert not any(
        w in v for v in values for w in ("googleadservices", "safelinks", "urldefense", "symantec", "facebook.com")
    )


def test_mimecast_gives_the_destination_host_only() -> None:
    found = unwrap("https://protect-eu.mimecast.com/s/AbCdEfGh?domain=evil-login.example.net")
    assert found is not None and found.target is None and found.target_host == "evil-login.example.net"
    assert ("domain", "evil-login.example.net") in indicators_of_target(
        "https://protect-eu.mimecast.com/s/AbCdEfGh?domain=evil-login.example.net"
    )


def test_an_ordinary_url_with_a_url_in_its_query_is_not_a_wrapper() -> None:
    """A kit's `?continue=https://office.com` must not hide the kit's own URL."""
    url = "https://evil-login.example.net/o365?continue=https://www.office.com/"
    assert unwrap(url) is None
    assert ("url", url) in [(i.type, i.value) for i in find_indicators(url)]


def test_ham_and_phish_sharing_only_redirector_paths_share_no_campaign_key() -> None:
    """The held-out failure: a newsletter and a phish both sent through Google ad clicks and the same
    radio player's link page had `url:www.googleadservices.com/pagead/aclk` in common."""

    def doc(*targets: str) -> Document:
        return Document(kind="email", links=[Link(target=t, kind="href") for t in targets])

    ham = doc(
        "https://www.googleadservices.com/pagead/aclk?sa=L&ai=X1&adurl=https://radio-news-daily.org/story",
        "https://player.socastsrm.com/player/link?h=1&url=https%3A%2F%2Fradio-news-daily.org%2Fplay",
    )
    phish = doc(
        "https://www.googleadservices.com/pagead/aclk?sa=L&ai=Y2&adurl=http://wush-prize-claim.com/t/4qpZBV",
        "https://player.socastsrm.com/player/link?h=2&url=https%3A%2F%2Fwush-prize-claim.com%2Fclaim",
    )
    linking = lambda d: {k for k in campaign_keys(d, frozenset(), set()) if not is_ubiquitous_key(k)}  # noqa: E731
    assert not linking(ham) & linking(phish)
    assert "url:wush-prize-claim.com/t/4qpZBV" in linking(phish)
    assert is_ubiquitous_key("url:www.googleadservices.com/pagead/aclk")
    assert is_ubiquitous_key("url:player.socastsrm.com/player/link")
