"""Indicators that never link two reports on their own, bundled.

The frequency caps in engine.py learn ubiquity from the data, but only after
a value has been seen in several unrelated clusters; these lists cover the
values that are ubiquitous from the first report: large mail providers (an
address at gmail.com is specific, the domain is not), URL shorteners' and
hosting platforms' root domains (the path or subdomain is the campaign, the
root is everyone), tracking, CDN and bulk-mail domains, the largest brands'
own sites (phishing kits link to the real privacy page), and mailing-list
hosts. Keys such as `url:bit.ly/abc` or `sender:x@gmail.com` stay usable.
"""

from __future__ import annotations

from functools import lru_cache

from watchword.analysis.redirectors import is_wrapper

MAIL_PROVIDERS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.co.uk",
        "hotmail.fr",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.co.jp",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "mail.ru",
        "bk.ru",
        "list.ru",
        "inbox.ru",
        "yandex.ru",
        "yandex.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "zoho.com",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "naver.com",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "earthlink.net",
        "btinternet.com",
        "mail.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "ziggo.nl",
        "kpnmail.nl",
        "telenet.be",
        "skynet.be",
        "seznam.cz",
        "wp.pl",
        "o2.pl",
        "interia.pl",
        "rediffmail.com",
        "tutanota.com",
        "fastmail.com",
        "hushmail.com",
    }
)

SHORTENERS = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "tinyurl.com",
        "t.co",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "buff.ly",
        "rebrand.ly",
        "cutt.ly",
        "shorturl.at",
        "rb.gy",
        "t.ly",
        "s.id",
        "lnkd.in",
        "tiny.cc",
        "v.gd",
        "bl.ink",
        "short.io",
        "qrco.de",
        "l.ead.me",
        "urlz.fr",
        "linktr.ee",
        "t.me",
        "wa.me",
        "x.co",
        "soo.gd",
        "clck.ru",
    }
)

HOSTING_AND_CDN = frozenset(
    {
        "googleapis.com",
        "gstatic.com",
        "googleusercontent.com",
        "google.com",
        "googletagmanager.com",
        "google-analytics.com",
        "doubleclick.net",
        "cloudfront.net",
        "amazonaws.com",
        "akamai.net",
        "akamaihd.net",
        "akamaized.net",
        "edgekey.net",
        "edgesuite.net",
        "fastly.net",
        "cloudflare.com",
        "cloudflare-ipfs.com",
        "azureedge.net",
        "windows.net",
        "azurewebsites.net",
        "core.windows.net",
        "firebaseapp.com",
        "firebasestorage.googleapis.com",
        "web.app",
        "appspot.com",
        "herokuapp.com",
        "netlify.app",
        "vercel.app",
        "pages.dev",
        "workers.dev",
        "github.io",
        "githubusercontent.com",
        "blogspot.com",
        "wordpress.com",
        "wixsite.com",
        "wix.com",
        "weebly.com",
        "squarespace.com",
        "sharepoint.com",
        "1drv.ms",
        "onedrive.live.com",
        "dropbox.com",
        "dropboxusercontent.com",
        "box.com",
        "wetransfer.com",
        "ipfs.io",
        "r2.dev",
        "digitaloceanspaces.com",
        "000webhostapp.com",
        "jsdelivr.net",
        "cdnjs.cloudflare.com",
        "unpkg.com",
        "imgur.com",
        "zupimages.net",
        "ibb.co",
        "postimg.cc",
        "w3.org",
        "schemas.microsoft.com",
        "typeform.com",
        "forms.gle",
        "docs.google.com",
        "sites.google.com",
        "storage.googleapis.com",
        "onmicrosoft.com",
        "s3.amazonaws.com",
        "blob.core.windows.net",
        "web.core.windows.net",
        "translate.goog",
        "notion.site",
        "canva.com",
        "godaddysites.com",
        "webflow.io",
        "glitch.me",
    }
)

BULK_MAIL_AND_TRACKING = frozenset(
    {
        "sendgrid.net",
        "sendgrid.com",
        "mailchimp.com",
        "list-manage.com",
        "mcusercontent.com",
        "mcsv.net",
        "mailgun.org",
        "mailgun.net",
        "mandrillapp.com",
        "sparkpostmail.com",
        "constantcontact.com",
        "rs6.net",
        "hubspot.com",
        "hubspotemail.net",
        "hs-sites.com",
        "exacttarget.com",
        "salesforce.com",
        "sfmc-content.com",
        "amazonses.com",
        "mailjet.com",
        "sendinblue.com",
        "brevo.com",
        "klaviyo.com",
        "klaviyomail.com",
        "campaign-archive.com",
        "createsend.com",
        "cmail19.com",
        "cmail20.com",
        "emarsys.net",
        "responsys.net",
        "mktomail.com",
        "marketo.com",
        "pardot.com",
        "elasticemail.com",
        "smtp.com",
        "postmarkapp.com",
        "mailerlite.com",
        "aweber.com",
        "getresponse.com",
        "awstrack.me",
        "email.ms",
        "safelinks.protection.outlook.com",
        "protection.outlook.com",
        "urldefense.com",
        "urldefense.proofpoint.com",
        "mimecast.com",
        "mimecastprotect.com",
    }
)

BIG_SITES = frozenset(
    {
        "microsoft.com",
        "office.com",
        "office365.com",
        "microsoftonline.com",
        "live.net",
        "outlook.office.com",
        "apple.com",
        "amazon.com",
        "amazon.de",
        "amazon.co.uk",
        "paypal.com",
        "paypalobjects.com",
        "ebay.com",
        "facebook.com",
        "fb.com",
        "fbcdn.net",
        "instagram.com",
        "twitter.com",
        "x.com",
        "twimg.com",
        "linkedin.com",
        "licdn.com",
        "youtube.com",
        "whatsapp.com",
        "tiktok.com",
        "pinterest.com",
        "adobe.com",
        "netflix.com",
        "spotify.com",
        "dhl.com",
        "dhl.de",
        "ups.com",
        "fedex.com",
        "usps.com",
        "wikipedia.org",
        "google.com",
        "bing.com",
        "search.com",
        "yahoo.net",
        "yimg.com",
        "aol.net",
        "zoom.us",
        "docusign.net",
        "docusign.com",
        "example.com",
        "example.org",
        "example.net",
    }
)

MAILING_LIST_HOSTS = frozenset(
    {
        "sourceforge.net",
        "yahoogroups.com",
        "egroups.com",
        "topica.com",
        "googlegroups.com",
        "groups.io",
        "lists.debian.org",
        "mailman.org",
        "freelists.org",
        "listserv.net",
    }
)

UBIQUITOUS_DOMAINS = (
    MAIL_PROVIDERS | SHORTENERS | HOSTING_AND_CDN | BULK_MAIL_AND_TRACKING | BIG_SITES | (MAILING_LIST_HOSTS)
)
# Placeholder and role addresses that unrelated senders all use.
UBIQUITOUS_LOCALPARTS = frozenset(
    {
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
        "postmaster",
        "info",
        "support",
        "admin",
        "root",
        "user",
        "nobody",
    }
)


@lru_cache(maxsize=65536)
def _known_legitimate(domain: str) -> bool:
    # Imported here: the warninglists module reads this one's lists.
    from watchword.intel.warninglists import is_known_domain

    return is_known_domain(domain)


def is_ubiquitous_domain(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    if domain in UBIQUITOUS_DOMAINS or _known_legitimate(domain):
        return True  # ours, or on a MISP warninglist: a well-known site links nothing on its own
    # Subdomains of a ubiquitous domain only when the domain is a site, not a
    # hosting platform: `evil.web.app` is a campaign, `mail.google.com` is not.
    parent = domain.split(".", 1)[1] if "." in domain else ""
    return parent in BIG_SITES or parent in MAIL_PROVIDERS or parent in BULK_MAIL_AND_TRACKING


@lru_cache(maxsize=65536)
def is_ubiquitous_key(key: str) -> bool:
    """True when a `type:value` campaign key must never link on its own."""
    kind, _, value = key.partition(":")
    if kind in ("domain", "sdomain"):
        return is_ubiquitous_domain(value)
    if kind == "url":
        if is_wrapper("https://" + value):
            return True  # a redirector's own path (`www.googleadservices.com/pagead/aclk`)
        host, _, path = value.partition("/")
        # A big site's pages (the real privacy notice a kit links to) and any
        # bare root link nothing; a specific short link or a bucket path does.
        if not path:
            return True
        return is_ubiquitous_domain(host) and host not in SHORTENERS and host not in HOSTING_AND_CDN
    if kind in ("sender", "replyto", "email"):
        local, _, domain = value.rpartition("@")
        return local in UBIQUITOUS_LOCALPARTS and is_ubiquitous_domain(domain)
    return False
