"""What an export says follows the analyst's verdict.

| campaign verdict            | STIX indicator_types  | MISP to_ids | blocklists |
| malicious                   | malicious-activity    | true        | yes        |
| suspicious                  | anomalous-activity    | false       | refused    |
| none yet, asked explicitly  | unknown, "unreviewed" | false       | refused    |
| none yet                    | refused                                        |
| benign, out of scope, spam  | refused                                        |

A spam campaign goes out only when an analyst called it malicious (a scam
that is also a phishing wave). A selection of indicator ids is the analyst's
own pick, so it goes as malicious. Refusals are `ExportRefused` (a ValueError
whose text is for people).
"""

from __future__ import annotations

from dataclasses import dataclass

from watchword import errors


class ExportRefused(errors.Invalid):
    """This campaign's verdict does not allow the export asked for."""


@dataclass(frozen=True, slots=True)
class Stance:
    name: str  # malicious | suspicious | unreviewed
    indicator_types: tuple[str, ...]
    to_ids: bool
    blocklists: bool

    @property
    def unreviewed(self) -> bool:
        return self.name == "unreviewed"


MALICIOUS = Stance("malicious", ("malicious-activity",), True, True)
SUSPICIOUS = Stance("suspicious", ("anomalous-activity",), False, False)
UNREVIEWED = Stance("unreviewed", ("unknown",), False, False)


def stance_for(verdict: str | None, approach_type: str, *, unreviewed: bool = False) -> Stance:
    if verdict == "malicious":
        return MALICIOUS
    if verdict in ("benign", "out_of_scope"):
        raise ExportRefused(
            f"This campaign's verdict is {verdict.replace('_', ' ')}: it is not shared as a threat. "
            "Change the verdict first if it was wrong."
        )
    if approach_type in ("scam_or_spam", "benign"):
        raise ExportRefused(
            "This campaign looks like spam or legitimate mail: it is shared only once an analyst "
            "gives it the verdict malicious."
        )
    if verdict == "suspicious":
        return SUSPICIOUS
    if unreviewed:
        return UNREVIEWED
    raise ExportRefused(
        "No analyst has given this campaign a verdict yet. Give it one, or export it explicitly as "
        "unreviewed (unreviewed=1 in the console, --unreviewed on the command line)."
    )
