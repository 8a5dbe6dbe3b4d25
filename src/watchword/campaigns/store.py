"""The engine's `Backend` over the store, for the worker's incremental path.

Postings live in `campaign_postings`, the union-find forest in
`campaigns.merged_into_id`, cluster sizes and classes on the campaign row. One
assignment costs one indexed posting lookup, a few primary-key reads and one
bulk insert, whatever the size of the store: that is the flat per-report cost.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from watchword.campaigns.engine import Entry
from watchword.store.models import Campaign, Report, utcnow
from watchword.store.models_campaigns import CampaignMember, CampaignPosting

_CHUNK = 500


def insert_for(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


class StoreBackend:
    def __init__(self, session: Session) -> None:
        self.session = session

    def postings(self, keys: Sequence[int]) -> dict[int, list[Entry]]:
        out: dict[int, list[Entry]] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _CHUNK):
            chunk = unique[start : start + _CHUNK]
            rows = self.session.execute(
                select(CampaignPosting.key, CampaignPosting.content, CampaignPosting.campaign_id)
                .where(CampaignPosting.key.in_(chunk))
            )
            for key, content, campaign_id in rows:
                out.setdefault(key, []).append((content, campaign_id))
        return out

    def add_postings(self, triples: Iterable[tuple[int, int, int]]) -> None:
        rows = [{"key": k, "content": c, "campaign_id": cid} for k, c, cid in triples]
        insert = insert_for(self.session)
        for start in range(0, len(rows), _CHUNK):
            self.session.execute(
                insert(CampaignPosting).values(rows[start : start + _CHUNK]).on_conflict_do_nothing()
            )

    def _campaign(self, cluster: int) -> Campaign:
        campaign = self.session.get(Campaign, cluster)
        if campaign is None:
            raise LookupError(f"campaign {cluster} is referenced by the index but does not exist")
        return campaign

    def find(self, cluster: int) -> int:
        seen = [cluster]
        campaign = self._campaign(cluster)
        while campaign.merged_into_id is not None:
            campaign = self._campaign(campaign.merged_into_id)
            seen.append(campaign.id)
        if len(seen) > 2:  # path compression: the next lookup takes one step
            for cid in seen[:-2]:
                self._campaign(cid).merged_into_id = campaign.id
        return campaign.id

    def union(self, keep: int, gone: int) -> None:
        keep, gone = self.find(keep), self.find(gone)
        if keep == gone:
            return
        merge_rows(self.session, keep, gone)

    def new_cluster(self, risk_class: str) -> int:
        now = utcnow()
        campaign = Campaign(risk_class=risk_class, member_count=0, first_seen=now, last_seen=now, facts={})
        self.session.add(campaign)
        self.session.flush()
        return campaign.id

    def size(self, cluster: int) -> int:
        return self._campaign(self.find(cluster)).member_count

    def cluster_class(self, cluster: int) -> str:
        return self._campaign(self.find(cluster)).risk_class

    def grow(self, cluster: int) -> None:
        self._campaign(self.find(cluster)).member_count += 1


def merge_rows(session: Session, keep: int, gone: int) -> None:
    """Move everything of `gone` into `keep`; `gone` stays as a forwarding row (union-find)."""
    keep_row, gone_row = session.get(Campaign, keep), session.get(Campaign, gone)
    if keep_row is None or gone_row is None:
        raise LookupError(f"cannot merge campaign {gone} into {keep}: not found")
    session.flush()
    session.execute(update(Report).where(Report.campaign_id == gone).values(campaign_id=keep))
    session.execute(update(CampaignMember).where(CampaignMember.campaign_id == gone).values(campaign_id=keep))
    keep_row.member_count += gone_row.member_count
    gone_row.member_count = 0
    gone_row.merged_into_id = keep
    gone_row.status = "merged"
    gone_row.surging = False
    if keep_row.verdict is None and gone_row.verdict is not None:
        keep_row.verdict, keep_row.verdict_note, keep_row.verdict_at = (
            gone_row.verdict, gone_row.verdict_note, gone_row.verdict_at)
    if keep_row.verdict is not None:
        session.execute(update(Report).where(Report.campaign_id == keep).values(verdict=keep_row.verdict))
