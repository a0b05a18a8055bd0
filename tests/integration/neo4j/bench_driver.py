"""Reads the whole Neo4j feed with the official Python driver, with the same Cypher as the
C++ Neo4jFeed::Scan (src/feed/neo4j/neo4j_queries.cc, window from the start to the newest
record), turning each record's properties into JSON as the C++ feed does. Prints one FIGURE
line per round. Usage: bench_driver.py URI USER PASSWORD"""
import json
import logging
import sys
import time

import neo4j
from neo4j.time import DateTime

# The C++ feed's window (src/feed/neo4j/neo4j_queries.cc): candidates from both representations
# of updated_at, then the window bounds and the entity filter.
CANDIDATES = """CALL {
  MATCH (n:Entity) WHERE n.updated_at >= $lo_dt AND n.updated_at <= $hi_dt
  RETURN n, n.updated_at AS t
  UNION ALL
  MATCH (n:Entity) WHERE n.updated_at >= $lo_str AND n.updated_at < $hi_str
  RETURN n, datetime(n.updated_at) AS t
}
WITH n, t.epochSeconds AS s, t.nanosecond AS ns, elementId(n) AS eid
"""
ENTITY_TYPE = "coalesce(n.entity_type, head([l IN labels(n) WHERE l <> 'Entity'])) AS et"

SCAN = CANDIDATES + f"""WITH n, s, ns, eid, {ENTITY_TYPE}
RETURN s, ns, eid, et, n.ingestion_job AS job, properties(n) AS props
ORDER BY s, ns, eid"""

COUNT = CANDIDATES + f"""WHERE [s, ns, eid] > [$a_s, $a_ns, $a_eid] AND [s, ns, eid] <= [$b_s, $b_ns, $b_eid]
WITH n, s, ns, eid, {ENTITY_TYPE}
WHERE size($types) = 0 OR et IN $types
RETURN count(*) AS c, min([s, ns]) AS first, max([s, ns, eid]) AS last"""

# The C++ feed's CountUnseenMany (neo4j_queries.cc CountByWindowQuery): windows cut at the
# models' distinct watermarks, each read once and counted per entity type.
COUNT_BY_WINDOW = """UNWIND $windows AS w
CALL {
WITH w
CALL {
  WITH w
  MATCH (n:Entity) WHERE n.updated_at >= w.lo_dt AND n.updated_at <= w.hi_dt
  RETURN n, n.updated_at AS t
  UNION ALL
  WITH w
  MATCH (n:Entity) WHERE n.updated_at >= w.lo_str AND n.updated_at < w.hi_str
  RETURN n, datetime(n.updated_at) AS t
}
WITH w, n, t.epochSeconds AS s, t.nanosecond AS ns, elementId(n) AS eid
WHERE [s, ns, eid] > [w.a_s, w.a_ns, w.a_eid] AND [s, ns, eid] <= [w.b_s, w.b_ns, w.b_eid]
WITH n, s, ns, eid, """ + ENTITY_TYPE + """
RETURN et, count(*) AS c, min([s, ns]) AS first, max([s, ns, eid]) AS last
}
RETURN w.i AS i, et, c, first, last"""


def count_models(driver, params, models, loop_models):
    """The C++ feed's unseen counts (same Cypher) for models that never trained: one query per
    model for `loop_models` of them, then all `models` in one batched query."""
    window = dict(params, a_s=-(2 ** 62), a_ns=0, a_eid="", b_s=2 ** 62, b_ns=0, b_eid="")
    with driver.session(database="neo4j") as session:
        # Each query runs a few times before it is timed, as in the C++ run.
        for _ in range(5):
            session.run(COUNT, dict(window, types=["type-0"])).consume()
            session.run(COUNT_BY_WINDOW, windows=[dict(window, i=0)]).consume()
        t0 = time.perf_counter()
        for m in range(loop_models):
            session.run(COUNT, dict(window, types=[f"type-{m % 10}"])).single()
        secs = time.perf_counter() - t0
        print(f"FIGURE count_loop_python_driver models={loop_models} seconds={secs:.3f} "
              f"ms_per_count={secs * 1000 / loop_models:.1f}")
        t0 = time.perf_counter()
        per_type = {}
        for rec in session.run(COUNT_BY_WINDOW, windows=[dict(window, i=0)]):
            per_type[rec["et"]] = per_type.get(rec["et"], 0) + rec["c"]
        counts = [per_type.get(f"type-{m % 10}", 0) for m in range(models)]
        secs = time.perf_counter() - t0
        print(f"FIGURE count_many_python_driver models={models} watermarks=1 seconds={secs:.3f} "
              f"total={sum(counts)}")


def main():
    logging.getLogger("neo4j").setLevel(logging.ERROR)  # deprecation notices on every count
    uri, user, password = sys.argv[1:4]
    params = {"lo_dt": DateTime(1, 1, 1, tzinfo=__import__("datetime").timezone.utc),
              "hi_dt": DateTime(9999, 1, 1, tzinfo=__import__("datetime").timezone.utc),
              "lo_str": "0000", "hi_str": "9999"}
    with neo4j.GraphDatabase.driver(uri, auth=(user, password)) as driver:
        for rnd in range(2):
            with driver.session(database="neo4j", fetch_size=1000) as session:
                t0 = time.perf_counter()
                n = 0
                size = 0
                for rec in session.run(SCAN, params):
                    props = dict(rec["props"])
                    props.pop("ingestion_job", None)
                    props.pop("updated_at", None)
                    size += len(json.dumps(props, default=str))
                    n += 1
                secs = time.perf_counter() - t0
                print(f"FIGURE scan_python_driver neo4j=={neo4j.__version__} round={rnd} "
                      f"records={n} seconds={secs:.3f} records_per_second={n / secs:.0f}")
        env = __import__("os").environ
        models = int(env.get("NEO4J_BENCH_MODELS", "0"))
        if models:
            count_models(driver, params, models,
                         min(models, int(env.get("NEO4J_BENCH_LOOP_MODELS", "10"))))


if __name__ == "__main__":
    main()
