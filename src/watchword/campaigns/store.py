"""The engine's `Backend` over the store, for the worker's incremental path.

Postings live in `campaign_postings`, the union-find forest in
`campaigns.merged_into_id`, cluster sizes and classes on the campaign row. One
assignment costs one indexed posting lookup, a few primary-key reads and one
bulk insert, whatever the size of the store: that is the flat per-report cost.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session

from watchword.campaigns.engine import Entry
from watchword.campaigns.locks import lock_campaigns, lock_keys
from watchword.domain.states import CampaignStatus, CaseStatus
from watchword.store.models import Campaign, Report, utcnow
from watchword.store.models_campaigns import CampaignHour, CampaignMember
from watchword.store.pgarray import int_array
from watchword.store.upsert import upsert

_JSON_CHUNK = 5000  # keys per SQLite read: one parameter whatever the count, a text of ~100 kB at most


# Built once: constructing a statement costs more than running it here.
_PG_POSTINGS = text("SELECT key, content, campaign_id FROM campaign_postings WHERE key = ANY(CAST(:keys AS bigint[]))")
# SQLite: the keys as one JSON text (the store's keys are 63-bit integers, which JSON carries exactly),
# not an IN list of a bound parameter each that SQLAlchemy renders and binds per 500 keys (issue 14).
_SQLITE_POSTINGS = text(
    "SELECT key, content, campaign_id FROM campaign_postings WHERE key IN (SELECT value FROM json_each(:keys))"
)
_PG_CAMPAIGN_IDS = text("SELECT nextval(pg_get_serial_sequence('campaigns', 'id')) FROM generate_series(1, 64)")
_PG_ADD_POSTINGS = text(
    "INSERT INTO campaign_postings (key, content, campaign_id) "
    "SELECT * FROM unnest(CAST(:k AS bigint[]), CAST(:c AS bigint[]), CAST(:cid AS bigint[])) "
    "ON CONFLICT DO NOTHING"
)
# SQLite: a batch's new entries as one JSON text (integers up to 63 bits, which JSON and SQLite's
# json_extract carry exactly), not an executemany whose parameter sets SQLAlchemy processes one by
# one in Python (~30 rows a report, inside the write lock: issue 14). WHERE true: SQLite's parser
# needs it before an upsert clause after INSERT ... SELECT.
_SQLITE_ADD_POSTINGS = text(
    "INSERT INTO campaign_postings (key, content, campaign_id) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') "
    "FROM json_each(:rows) WHERE true ON CONFLICT DO NOTHING"
)


class StoreBackend:
    def __init__(self, session: Session) -> None:
        self.session = session
        # Strong references: the session's identity map is weak, and a clean
        # campaign dropped from it would cost a SELECT on every find().
        self.rows: dict[int, Campaign] = {}

    def postings(self, keys: Sequence[int]) -> dict[int, list[Entry]]:
        out: dict[int, list[Entry]] = {}
        unique = list(dict.fromkeys(keys))
        # Before the read: no other worker adds postings under these keys until we commit.
        lock_keys(self.session, unique)
        # Core, not the ORM: these are plain rows and the ORM layer would cost more than the
        # query. PostgreSQL takes the keys as one array (one statement for a whole batch).
        pg = self.session.get_bind().dialect.name == "postgresql"
        step = (len(unique) or 1) if pg else _JSON_CHUNK
        for start in range(0, len(unique), step):
            chunk = unique[start : start + step]
            for key, content, campaign_id in self.session.connection().execute(
                _PG_POSTINGS if pg else _SQLITE_POSTINGS,
                {"keys": int_array(chunk) if pg else json.dumps(chunk)},
            ):
                out.setdefault(key, []).append((content, campaign_id))
        self._load({cid for entries in out.values() for _, cid in entries})
        return out

    def _load(self, ids: set[int]) -> None:
        # Row-locked (PostgreSQL) with the campaigns they were merged into, and read afresh.
        # A comprehension, not `ids - self.rows.keys()`: that copies every key of `rows` (a
        # batch's hundreds of campaigns) on each call, and the engine calls this per report.
        for campaign in lock_campaigns(self.session, {cid for cid in ids if cid not in self.rows}):
            self.rows[campaign.id] = campaign

    def add_postings(self, triples: Iterable[tuple[int, int, int]]) -> None:
        triples = list(triples)
        if triples and self.session.get_bind().dialect.name == "postgresql":
            # Three arrays, one statement: the rows' parameters are not sent and bound one by one.
            keys, contents, campaigns = (list(column) for column in zip(*triples, strict=True))
            self.session.connection().execute(
                _PG_ADD_POSTINGS, {"k": int_array(keys), "c": int_array(contents), "cid": int_array(campaigns)}
            )
            return
        connection = self.session.connection()
        for start in range(0, len(triples), _JSON_CHUNK):
            connection.execute(_SQLITE_ADD_POSTINGS, {"rows": json.dumps(triples[start : start + _JSON_CHUNK])})

    def campaign(self, cluster: int) -> Campaign:
        campaign = self.rows.get(cluster)
        if campaign is None:
            campaign = self.session.get(Campaign, cluster)
            if campaign is None:
                raise LookupError(f"campaign {cluster} is referenced by the index but does not exist")
            self.rows[cluster] = campaign
        return campaign

    def find(self, cluster: int) -> int:
        seen = [cluster]
        campaign = self.campaign(cluster)
        while campaign.merged_into_id is not None:
            campaign = self.campaign(campaign.merged_into_id)
            seen.append(campaign.id)
        if len(seen) > 2:  # path compression: the next lookup takes one step
            for cid in seen[:-2]:
                self.campaign(cid).merged_into_id = campaign.id
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
        self.rows[campaign.id] = campaign
        return campaign.id

    def size(self, cluster: int) -> int:
        return self.campaign(self.find(cluster)).member_count

    def cluster_class(self, cluster: int) -> str:
        return self.campaign(self.find(cluster)).risk_class

    def grow(self, cluster: int) -> None:
        self.campaign(self.find(cluster)).member_count += 1


def merge_rows(session: Session, keep: int, gone: int) -> None:
    """Move everything of `gone` into `keep`; `gone` stays as a forwarding row (union-find)."""
    keep_row, gone_row = session.get(Campaign, keep), session.get(Campaign, gone)
    if keep_row is None or gone_row is None:
        raise LookupError(f"cannot merge campaign {gone} into {keep}: not found")
    session.flush()
    session.execute(update(Report).where(Report.campaign_id == gone).values(campaign_id=keep))
    session.execute(update(CampaignMember).where(CampaignMember.campaign_id == gone).values(campaign_id=keep))
    # The absorbed campaign's hourly counts become the survivor's: its surge
    # baseline is the whole history of what is now one campaign.
    hours = session.execute(select(CampaignHour.hour, CampaignHour.count).where(CampaignHour.campaign_id == gone)).all()
    if hours:
        stmt = upsert(session, CampaignHour)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["campaign_id", "hour"], set_={"count": CampaignHour.count + stmt.excluded.count}
            ),
            [{"campaign_id": keep, "hour": h, "count": n} for h, n in hours],
        )
        session.execute(delete(CampaignHour).where(CampaignHour.campaign_id == gone))
    keep_row.member_count += gone_row.member_count
    gone_row.member_count = 0
    gone_row.merged_into_id = keep
    gone_row.status = CampaignStatus.MERGED
    gone_row.surging = False
    if keep_row.verdict is None and gone_row.verdict is not None:
        keep_row.verdict, keep_row.verdict_note, keep_row.verdict_at = (
            gone_row.verdict,
            gone_row.verdict_note,
            gone_row.verdict_at,
        )
    if keep_row.verdict is not None:
        session.execute(update(Report).where(Report.campaign_id == keep).values(verdict=keep_row.verdict))


class BatchBackend(StoreBackend):
    """`StoreBackend` for a whole batch: one posting read before it, one posting write after.

    `preload` reads the posting lists of every key the batch will look up; the
    engine's lookups and additions are then served from memory (additions
    visible to the later reports of the batch, as they would be one by one),
    and `flush_postings` writes the batch's new entries in one executemany.
    The union-find forest and campaign rows stay on the ORM rows, as in the
    parent: merges are rare and keep their per-merge statements.
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._lists: dict[int, list[Entry]] = {}
        # The contents on each list the batch added to, for add_postings' duplicate test: a scan
        # of the list per added entry was quadratic in a wave's lists (issue 14).
        self._contents: dict[int, set[int]] = {}
        self._pending: list[tuple[int, int, int]] = []
        self._free_ids: list[int] = []
        # Each cluster's root as last found: the engine asks for the root of every entry of
        # every posting list it reads (a wave's lists hold every copy), and each walk reads
        # ORM attributes. Roots change only by a merge (union) or when rows are read afresh
        # (_load); both forget them (issue 14).
        self._roots: dict[int, int] = {}

    def find(self, cluster: int) -> int:
        root = self._roots.get(cluster)
        if root is None:
            root = self._roots[cluster] = super().find(cluster)
        return root

    def union(self, keep: int, gone: int) -> None:
        self._roots.clear()
        super().union(keep, gone)
        self._roots.clear()

    def _load(self, ids: set[int]) -> None:
        if any(cid not in self.rows for cid in ids):
            self._roots.clear()
        super()._load(ids)

    def new_cluster(self, risk_class: str) -> int:
        # The id is chosen here, not by an INSERT and a flush per new campaign: the
        # batch's new campaigns are inserted together at its next flush.
        now = utcnow()
        # Counters set here, not left to the column defaults: the batch counts on the row
        # before the flush that inserts it.
        campaign = Campaign(
            id=self._next_id(),
            risk_class=risk_class,
            member_count=0,
            report_count=0,
            sighting_count=0,
            reporter_count=0,
            risk=0.0,
            surging=False,
            priority=0.0,
            first_seen=now,
            last_seen=now,
            facts={},
            # Given, though its column has a default: a column with a server default left to
            # its default makes the unit of work insert each new campaign alone, RETURNING what
            # the server filled in (one INSERT per campaign on SQLite: a thousand statements for
            # 2,000 reports, inside the write lock); every column given, the batch's new
            # campaigns go in one executemany (issue 14).
            case_status=CaseStatus.NEW,
        )
        self.session.add(campaign)
        self.rows[campaign.id] = campaign
        return campaign.id

    def _next_id(self) -> int:
        # Without an autoflush: the batch's campaign changes so far (the engine's member counts,
        # new campaigns) wait for the batch's one flush. Flushed here, they went as extra UPDATEs
        # of whatever columns each had changed by then, one statement per set of columns (issue
        # 14), and the max below reads committed ids: this batch's new ones come from this chain.
        if not self._free_ids:
            with self.session.no_autoflush:
                if self.session.get_bind().dialect.name == "postgresql":
                    # A block from the column's own sequence; unused values are only a gap.
                    self._free_ids = list(self.session.scalars(_PG_CAMPAIGN_IDS))
                else:
                    # SQLite: this transaction holds the database's write lock (BEGIN IMMEDIATE),
                    # so no other writer can take the next id meanwhile.
                    top = self.session.scalar(select(func.coalesce(func.max(Campaign.id), 0)))
                    self._free_ids = [int(top or 0) + 1]
            self._free_ids.reverse()
        next_id = self._free_ids.pop()
        if not self._free_ids and self.session.get_bind().dialect.name != "postgresql":
            self._free_ids = [next_id + 1]  # SQLite: the next is this one's successor
        return next_id

    def preload(self, keys: Iterable[int]) -> None:
        wanted = [key for key in dict.fromkeys(keys) if key not in self._lists]
        if not wanted:
            return  # the engine asks per report for keys the batch preloaded: no lock or read to do
        loaded = super().postings(wanted)
        for key in wanted:
            self._lists[key] = loaded.get(key, [])

    def postings(self, keys: Sequence[int]) -> dict[int, list[Entry]]:
        self.preload(keys)  # nothing to read when the batch was preloaded
        # The batch's own lists, not copies: the engine reads them before its add_postings
        # call appends to them (engine.Backend), and a copy of every list a report looks up
        # cost more than the rest of the lookup (issue 14).
        lists = self._lists
        return {key: lists[key] for key in dict.fromkeys(keys) if lists[key]}

    def add_postings(self, triples: Iterable[tuple[int, int, int]]) -> None:
        for key, content, campaign_id in triples:
            entries = self._lists.setdefault(key, [])
            contents = self._contents.get(key)
            if contents is None:
                contents = self._contents[key] = {c for c, _ in entries}
            if content in contents:
                continue  # the primary key is (key, content): the store would ignore it too
            contents.add(content)
            entries.append((content, campaign_id))
            self._pending.append((key, content, campaign_id))

    def flush_postings(self) -> None:
        pending, self._pending = self._pending, []
        super().add_postings(pending)
