"""Reading a job's records from the feed named by RETRAINING_FEED_URI, in feed order.

Three feeds, as `retrain serve` opens them:

- `embedded:PATH`: the embedded feed, a SQLite file with table
  `records(seq INTEGER PRIMARY KEY, ingestion_job, entity_type, landed_at (ms), payload (JSON))`;
  a cursor is the record's `seq`, the order is `seq`.
- `fixtures:DIR`: a directory of `*.json` files, each one ingestion job
  `{"job_id", "ingested_at", "records": [...]}`; a cursor is `<ingested_at ms>|<position>|<job_id>`,
  the order is (ingested_at, job_id, position). A record's entity type is its `entity_type` (or
  `type`) field, else `entity`.
- `bolt://`, `neo4j://` (and their `+s`, `+ssc` forms): `(:Entity)` nodes ordered by
  (`updated_at` as an instant, elementId); a cursor is `<UTC instant with 9 fraction digits>|<elementId>`.
  Needs the `neo4j` extra.

Every reader is a generator: records are read one by one, never the whole range at once
(a fixture file, which is one ingestion job, is parsed whole).
"""
from __future__ import annotations

import glob
import json
import os
import sqlite3
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from .settings import ConfigError, parse_rfc3339_ms


@dataclass
class Record:
    """One feed record: the bookkeeping fields and the record's own properties."""

    cursor: str
    ingestion_job: str
    entity_type: str
    landed_at_ms: int
    data: Dict[str, Any]

    @property
    def label(self) -> Optional[int]:
        """0 or 1 when the record carries a valid binary `label` (0, 1, true or false), else None."""
        v = self.data.get("label")
        if isinstance(v, bool):
            return 1 if v else 0
        if isinstance(v, (int, float)) and v in (0, 1):
            return int(v)
        return None

    def features(self) -> Dict[str, float]:
        """The numeric top-level properties other than `label` (booleans excluded), as the
        reference worker's features."""
        return {k: float(v) for k, v in self.data.items()
                if k != "label" and isinstance(v, (int, float)) and not isinstance(v, bool)}


class FeedError(RuntimeError):
    """The feed cannot be opened or read."""


class Feed:
    """A feed that can stream the records of (after, upto] matching entity types."""

    def scan(self, entity_types: Sequence[str], after: str, upto: str) -> Iterator[Record]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class EmbeddedFeed(Feed):
    def __init__(self, path: str):
        if not os.path.exists(path):
            raise FeedError(f"The embedded feed {path} does not exist.")
        self.path = path
        # Read-only: the worker never writes to the feed.
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)

    @staticmethod
    def _cursor(c: str) -> int:
        if not c:
            return 0
        if not c.isdigit():
            raise FeedError(f"'{c}' is not a cursor of the embedded feed")
        return int(c)

    def scan(self, entity_types: Sequence[str], after: str, upto: str) -> Iterator[Record]:
        a, u = self._cursor(after), self._cursor(upto)
        sql = ("SELECT seq, ingestion_job, entity_type, landed_at, payload FROM records "
               "WHERE seq > ? AND seq <= ?")
        args: List[Any] = [a, u]
        if entity_types:
            sql += " AND entity_type IN (" + ", ".join("?" for _ in entity_types) + ")"
            args += list(entity_types)
        sql += " ORDER BY seq"
        for seq, job, etype, landed, payload in self._db.execute(sql, args):
            try:
                data = json.loads(payload)
            except ValueError:
                data = None
            yield Record(str(seq), job, etype, int(landed), data if isinstance(data, dict) else {})

    def close(self) -> None:
        self._db.close()


def _fixture_key(cursor: str) -> Tuple[int, str, int]:
    parts = cursor.split("|", 2)
    if len(parts) != 3:
        raise FeedError(f"'{cursor}' is not a cursor of the fixture feed")
    try:
        return int(parts[0]), parts[2], int(parts[1])
    except ValueError:
        raise FeedError(f"'{cursor}' is not a cursor of the fixture feed") from None


class FixtureFeed(Feed):
    def __init__(self, directory: str):
        if not os.path.isdir(directory):
            raise FeedError(f"fixture directory {directory} does not exist")
        self.directory = directory

    @staticmethod
    def _load(path: str) -> Dict[str, Any]:
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except ValueError as e:
            raise FeedError(f"{path}: not valid JSON: {e}") from None
        if not isinstance(doc, dict):
            raise FeedError(f"{path}: expected a JSON object")
        if not isinstance(doc.get("job_id"), str) or not doc["job_id"]:
            raise FeedError(f"{path}: 'job_id' must be a non-empty string")
        ingested_at = doc.get("ingested_at")
        ms = parse_rfc3339_ms(ingested_at) if isinstance(ingested_at, str) else None
        if ms is None:
            raise FeedError(f"{path}: 'ingested_at' must be an ISO 8601 date-time string")
        if not isinstance(doc.get("records"), list):
            raise FeedError(f"{path}: 'records' must be a list")
        doc["_ms"] = ms
        return doc

    def scan(self, entity_types: Sequence[str], after: str, upto: str) -> Iterator[Record]:
        lo = _fixture_key(after) if after else None
        hi = _fixture_key(upto)
        # First the order of the ingestion jobs, then each job's records (one file at a time).
        jobs = []
        for path in sorted(glob.glob(os.path.join(self.directory, "*.json"))):
            if not os.path.isfile(path):
                continue
            doc = self._load(path)
            jobs.append((doc["_ms"], doc["job_id"], path))
            del doc
        jobs.sort(key=lambda j: (j[0], j[1]))
        types = set(entity_types)
        for ms, job, path in jobs:
            if (ms, job) > (hi[0], hi[1]) or (lo and (ms, job) < (lo[0], lo[1])):
                continue
            doc = self._load(path)
            for pos, r in enumerate(doc["records"]):
                key = (ms, job, pos)
                if (lo and key <= lo) or key > hi:
                    continue
                if not isinstance(r, dict):
                    raise FeedError(f"{path}: records[{pos}] is not an object")
                etype = next((r[k] for k in ("entity_type", "type") if isinstance(r.get(k), str)), "") or "entity"
                if types and etype not in types:
                    continue
                data = {k: v for k, v in r.items() if k != "ingestion_job"}
                yield Record(f"{ms}|{pos}|{job}", job, etype, ms, data)


_NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")
_FIRST_SECOND = -62135596800  # 0001-01-01T00:00:00Z
_DAY = 86400


def _neo4j_position(cursor: str) -> Tuple[int, int, str]:
    instant, sep, eid = cursor.partition("|")
    whole = parse_rfc3339_ms(instant[:19] + "Z") if len(instant) == 30 else None
    frac = instant[20:29]
    if not sep or whole is None or instant[19] != "." or not frac.isdigit() or instant[29] not in "Zz":
        raise FeedError(f"'{cursor}' is not a cursor of the Neo4j feed")
    return whole // 1000, int(frac), eid


def _neo4j_cursor(seconds: int, nanos: int, eid: str) -> str:
    import datetime as _dt

    t = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc) + _dt.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f".{nanos:09d}Z|{eid}"


class Neo4jFeed(Feed):
    """`(:Entity)` nodes, read with the official driver (the `neo4j` extra) by the same query
    the orchestrator uses: a DateTime and a string range seek on `updated_at`, then the exact
    (instant, elementId) bounds."""

    QUERY = """CALL {
  MATCH (n:Entity) WHERE n.updated_at >= $lo_dt AND n.updated_at <= $hi_dt
  RETURN n, n.updated_at AS t
  UNION ALL
  MATCH (n:Entity) WHERE n.updated_at >= $lo_str AND n.updated_at < $hi_str
  RETURN n, datetime(n.updated_at) AS t
}
WITH n, t.epochSeconds AS s, t.nanosecond AS ns, elementId(n) AS eid
WHERE [s, ns, eid] > [$a_s, $a_ns, $a_eid] AND [s, ns, eid] <= [$b_s, $b_ns, $b_eid]
WITH n, s, ns, eid, coalesce(n.entity_type, head([l IN labels(n) WHERE l <> 'Entity'])) AS et
WHERE size($types) = 0 OR et IN $types
RETURN s, ns, eid, et, n.ingestion_job AS job, properties(n) AS props
ORDER BY s, ns, eid"""

    def __init__(self, uri: str, user: str, password: str):
        try:
            import neo4j  # noqa: F401
        except ImportError:
            raise FeedError("Reading a Neo4j feed needs the neo4j driver: pip install 'retrain-worker[neo4j]'.") from None
        from neo4j import GraphDatabase

        self._driver = GraphDatabase.driver(uri, auth=(user, password) if user else None)

    def scan(self, entity_types: Sequence[str], after: str, upto: str) -> Iterator[Record]:
        from neo4j.time import DateTime
        import datetime as _dt

        utc = _dt.timezone.utc

        def dt(seconds: int) -> Any:
            return DateTime.from_native(_dt.datetime(1970, 1, 1, tzinfo=utc) + _dt.timedelta(seconds=seconds))

        def day(seconds: int) -> str:
            return (_dt.datetime(1970, 1, 1, tzinfo=utc) + _dt.timedelta(seconds=seconds)).strftime("%Y-%m-%d")

        a = _neo4j_position(after) if after else (_FIRST_SECOND, 0, "")
        b = _neo4j_position(upto)
        params = {
            "lo_dt": dt(max(a[0] - 1, _FIRST_SECOND)), "hi_dt": dt(b[0] + 1),
            "lo_str": "0000" if not after else day(a[0] - _DAY), "hi_str": day(b[0] + 2 * _DAY),
            "a_s": a[0] if after else -(2**63), "a_ns": a[1], "a_eid": a[2],
            "b_s": b[0], "b_ns": b[1], "b_eid": b[2], "types": list(entity_types),
        }
        with self._driver.session() as session:
            for row in session.run(self.QUERY, params):
                props = dict(row["props"] or {})
                props.pop("ingestion_job", None)
                props.pop("updated_at", None)
                data = {k: (v.iso_format() if hasattr(v, "iso_format") else v) for k, v in props.items()}
                s, ns = int(row["s"]), int(row["ns"])
                yield Record(_neo4j_cursor(s, ns, row["eid"]), row["job"] or "", row["et"] or "",
                             s * 1000 + ns // 1_000_000, data)

    def close(self) -> None:
        self._driver.close()


def open_feed(uri: str, user: str = "", password: str = "") -> Feed:
    """The feed named by a RETRAINING_FEED_URI."""
    if uri.startswith("embedded:"):
        return EmbeddedFeed(uri[len("embedded:"):])
    if uri.startswith("fixtures:"):
        return FixtureFeed(uri[len("fixtures:"):])
    if uri.startswith(_NEO4J_SCHEMES):
        return Neo4jFeed(uri, user, password)
    raise ConfigError(f"RETRAINING_FEED_URI='{uri}' has an unknown scheme; "
                      "expected embedded:, fixtures:, bolt:// or neo4j://.")
