#!/usr/bin/env python3
"""Kotopolku's national statistics computed again, independently, in DuckDB SQL.

    python3 bench/statistics_duckdb.py DIR KOTOPOLKU_FIGURES.json

DIR holds the export `kotopolku-bench statistics` writes: `customers.csv` (id, municipality_code,
birth_date, sex, native_language, target_group, residence_basis, customership_start,
customership_end, end_reason) and `records.jsonl` (customer_id, kind, body: the current version of
every process record as stored). KOTOPOLKU_FIGURES.json holds the national figures the API returned
(`{as_of, threshold, periods, figures: [{period, indicator, category, value}]}`, value null when
suppressed).

The indicators are computed from the raw records following their written definitions
(`crates/domain/src/statistics/indicators.rs`) and the deadline rules (`crates/domain/src/deadlines.rs`),
without Kotopolku's code: customers by target group, residence basis, age band, sex and native
language; new customers per month; assessment timeliness; the medians of days to the assessment and
from it to the plan; plans in force with reviews overdue; services by type and status; directed to a
service within 6 months of the first plan; civic orientation; language progress; end reasons. Loading
and querying are timed separately. Then every figure is compared with Kotopolku's (suppressed ones
skipped; a category Kotopolku does not list is zero), and the result is written to
DIR/duckdb-result.json. With DIR/facts.jsonl (each customer's facts as Kotopolku derived them, kept
with `--export-dir`), the per-customer dates are compared too, to find example customers of a
disagreement.
"""

import csv
import json
import os
import sys
import time
from datetime import date

import duckdb

CODE_LISTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "domain", "data", "code-lists")
SKILLS = ["listening", "speaking", "reading", "writing"]
# The rules' default values (crates/domain/src/deadlines.rs, DeadlineRules::default).
ASSESSMENT_START_MONTHS = 2
SERVICES_AFTER_PLAN_MONTHS = 6
PLAN_REVIEW_MONTHS = 6
# Options::new in crates/domain/src/statistics/aggregate.rs: years with their own period nodes, and
# native languages published by name.
YEARS = 6
TOP_LANGUAGES = 12
MEDIANS = {"days_to_assessment", "days_assessment_to_plan"}


def codes(name):
    with open(os.path.join(CODE_LISTS, name + ".csv"), newline="", encoding="utf-8") as f:
        return [row["code"] for row in csv.DictReader(f)]


def sql_list(values):
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def main():
    directory, figures_file = sys.argv[1], sys.argv[2]
    with open(figures_file, encoding="utf-8") as f:
        kotopolku = json.load(f)
    as_of = date.fromisoformat(kotopolku["as_of"])
    first_year, last_year = as_of.year - YEARS + 1, as_of.year
    AS_OF = f"DATE '{as_of.isoformat()}'"

    con = duckdb.connect()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]

    # --- Load -------------------------------------------------------------------------------------
    started = time.perf_counter()
    con.execute(
        """
        CREATE TABLE customers AS SELECT * FROM read_csv(?, header = true, columns = {
            'id': 'VARCHAR', 'municipality_code': 'VARCHAR', 'birth_date': 'DATE', 'sex': 'VARCHAR',
            'native_language': 'VARCHAR', 'target_group': 'VARCHAR', 'residence_basis': 'VARCHAR',
            'customership_start': 'DATE', 'customership_end': 'DATE', 'end_reason': 'VARCHAR'})
        """,
        [os.path.join(directory, "customers.csv")],
    )
    con.execute(
        """
        CREATE TABLE records AS SELECT * FROM read_json(?, format = 'newline_delimited',
            columns = {'customer_id': 'VARCHAR', 'kind': 'VARCHAR', 'body': 'JSON'})
        """,
        [os.path.join(directory, "records.jsonl")],
    )
    load_s = time.perf_counter() - started
    n_customers = con.execute("SELECT count(*) FROM customers").fetchone()[0]
    n_records = con.execute("SELECT count(*) FROM records").fetchone()[0]
    print(f"duckdb: loaded {n_customers} customers and {n_records} records in {load_s:.2f} s ({threads} threads)")

    # --- Query ------------------------------------------------------------------------------------
    started = time.perf_counter()
    q = con.execute
    municipalities = codes("municipalities")
    # The customers counted: started by the figures' date, in a known municipality.
    q(
        f"""
        CREATE TEMP TABLE c AS
        SELECT id, birth_date, sex, native_language, target_group, residence_basis,
               customership_start AS start, customership_end AS ended, end_reason
        FROM customers
        WHERE customership_start <= {AS_OF} AND list_contains({sql_list(municipalities)}, municipality_code)
        """
    )
    # Each date's period keys: all; the year (or earlier, before the window); its quarter and month.
    q(
        f"""
        CREATE TEMP TABLE dp AS
        WITH d AS (SELECT DISTINCT start AS d FROM c UNION SELECT DISTINCT ended FROM c WHERE ended IS NOT NULL)
        SELECT d, 'all' AS period, 'all' AS level FROM d
        UNION ALL SELECT d, CASE WHEN year(d) < {first_year} THEN 'earlier' ELSE CAST(year(d) AS VARCHAR) END,
            'year' FROM d
        UNION ALL SELECT d, printf('%d-Q%d', year(d), quarter(d)), 'quarter' FROM d WHERE year(d) >= {first_year}
        UNION ALL SELECT d, strftime(d, '%Y-%m'), 'month' FROM d WHERE year(d) >= {first_year}
        """
    )
    # The current records, typed.
    q(
        f"""
        CREATE TEMP TABLE a AS
        SELECT customer_id,
               CAST(body->>'$.started_on' AS DATE) AS started_on,
               CAST(body->>'$.requested_on' AS DATE) AS requested_on,
               CAST(body->>'$.completed_on' AS DATE) AS completed_on,
               {", ".join(f"body->>'$.national_language_skills.{s}' AS {s}" for s in SKILLS)}
        FROM records WHERE kind = 'assessment'
        """
    )
    q(
        """
        CREATE TEMP TABLE p AS
        SELECT customer_id,
               CAST(body->>'$.drawn_up_on' AS DATE) AS drawn_up_on,
               CAST(body->>'$.starts_on' AS DATE) AS starts_on,
               CAST(body->>'$.ends_on' AS DATE) AS ends_on,
               list_max(list_transform(CAST(body->'$.reviews' AS JSON[]),
                   lambda r: CAST(json_extract_string(r, '$.held_on') AS DATE))) AS last_held
        FROM records WHERE kind = 'plan'
        """
    )
    q(
        """
        CREATE TEMP TABLE m AS
        WITH goals AS (SELECT customer_id, unnest(CAST(body->'$.goals' AS JSON[])) AS g
                       FROM records WHERE kind = 'plan'),
             measures AS (SELECT customer_id, unnest(CAST(g->'$.measures' AS JSON[])) AS x FROM goals)
        SELECT customer_id,
               json_extract_string(x, '$.service') AS service,
               coalesce(json_extract_string(x, '$.status'), 'planned') AS status,
               CAST(json_extract_string(x, '$.referred_on') AS DATE) AS referred_on,
               CAST(json_extract_string(x, '$.started_on') AS DATE) AS started_on
        FROM measures
        """
    )
    q(
        """
        CREATE TEMP TABLE rf AS
        SELECT customer_id, coalesce(body->>'$.status', 'sent') AS status, CAST(body->>'$.sent_on' AS DATE) AS sent_on
        FROM records WHERE kind = 'referral'
        """
    )
    q(
        f"""
        CREATE TEMP TABLE pg AS
        SELECT customer_id,
               coalesce(CAST(body->>'$.civic_orientation_hours' AS BIGINT), 0) AS hours,
               CAST(body->>'$.integration_training.final_test_on' AS DATE) AS final_test_on,
               {", ".join(f"body->>'$.integration_training.final_test_result.{s}' AS {s}" for s in SKILLS)}
        FROM records WHERE kind = 'programme'
        """
    )
    # Per customer: the assessment deadline (681/2023 §9: 2 months from the earliest of the start and
    # any assessment's request), the first assessment's start, the first plan, when first directed
    # to a service on or after the first plan (a measure neither planned nor cancelled: its referral
    # and its start each count; a referral not cancelled: its sending).
    q(
        f"""
        CREATE TEMP TABLE f AS
        WITH asum AS (SELECT customer_id, min(started_on) AS first_started, min(requested_on) AS first_requested
                      FROM a GROUP BY customer_id),
             psum AS (SELECT customer_id, min(drawn_up_on) AS first_plan FROM p GROUP BY customer_id),
             directed AS (
                 SELECT x.customer_id, min(x.on_date) AS directed_on
                 FROM (SELECT customer_id, referred_on AS on_date FROM m WHERE status NOT IN ('planned', 'cancelled')
                       UNION ALL
                       SELECT customer_id, started_on FROM m WHERE status NOT IN ('planned', 'cancelled')
                       UNION ALL
                       SELECT customer_id, sent_on FROM rf WHERE status <> 'cancelled') x
                 JOIN psum USING (customer_id)
                 WHERE x.on_date >= psum.first_plan
                 GROUP BY x.customer_id)
        SELECT c.*,
               CAST(least(c.start, asum.first_requested) + INTERVAL {ASSESSMENT_START_MONTHS} MONTH AS DATE) AS due,
               asum.first_started, psum.first_plan, directed.directed_on,
               CAST(psum.first_plan + INTERVAL {SERVICES_AFTER_PLAN_MONTHS} MONTH AS DATE) AS directed_due
        FROM c
        LEFT JOIN asum ON asum.customer_id = c.id
        LEFT JOIN psum ON psum.customer_id = c.id
        LEFT JOIN directed ON directed.customer_id = c.id
        """
    )

    # Native languages: the 12 most common nationally (all time, ties in code list order) by name.
    languages = codes("languages")
    ranked = q(
        f"""
        SELECT native_language, count(*) AS n,
               list_position({sql_list(languages)}, native_language) AS list_order
        FROM c WHERE list_contains({sql_list(languages)}, native_language)
        GROUP BY native_language ORDER BY n DESC, list_order LIMIT {TOP_LANGUAGES}
        """
    ).fetchall()
    top = [r[0] for r in ranked]

    def known(column, code_list, name):
        return (
            f"'{name}:' || CASE WHEN list_contains({sql_list(codes(code_list))}, {column}) "
            f"THEN {column} ELSE 'unknown' END"
        )

    # (date, indicator, category) contributions, one row per counted thing.
    contributions = f"""
        SELECT start AS d, 'customers' AS indicator, unnest([
            'total',
            {known('target_group', 'target-groups', 'target_group')},
            {known('residence_basis', 'residence-bases', 'residence_basis')},
            'age_band:' || CASE
                WHEN age < 18 THEN 'under_18' WHEN age < 30 THEN '18_29' WHEN age < 40 THEN '30_39'
                WHEN age < 50 THEN '40_49' WHEN age < 65 THEN '50_64' ELSE '65_plus' END,
            'sex:' || CASE WHEN sex IN ('male', 'female') THEN sex ELSE 'unknown' END,
            'native_language:' || CASE
                WHEN list_contains({sql_list(top)}, native_language) THEN native_language
                WHEN list_contains({sql_list(languages)}, native_language) THEN 'other'
                ELSE 'unknown' END
        ]) AS category
        FROM (SELECT *, year(start) - year(birth_date)
                  - CASE WHEN (month(start), day(start)) < (month(birth_date), day(birth_date)) THEN 1 ELSE 0 END AS age
              FROM c)

        UNION ALL
        SELECT start, 'assessment_timeliness', unnest(['total',
            CASE WHEN first_started <= {AS_OF} AND first_started <= due THEN 'on_time' ELSE 'late' END])
        FROM f WHERE first_started <= {AS_OF} OR due < {AS_OF}

        UNION ALL
        SELECT c.start, 'plans_in_force', unnest(['total',
            CASE WHEN CAST(greatest(x.drawn_up_on, x.last_held) + INTERVAL {PLAN_REVIEW_MONTHS} MONTH AS DATE) < {AS_OF}
                 THEN 'review_overdue' ELSE 'review_on_time' END])
        FROM c JOIN (
            SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY starts_on DESC) AS n
            FROM p WHERE starts_on <= {AS_OF} AND {AS_OF} <= ends_on) x ON x.customer_id = c.id AND x.n = 1
        WHERE c.ended IS NULL OR c.ended > {AS_OF}

        UNION ALL
        SELECT c.start, 'services', unnest(['total', 'type:' || service, 'status:' || status,
                                            'type:' || service || '|status:' || status])
        FROM m JOIN c ON c.id = m.customer_id

        UNION ALL
        SELECT start, 'directed_within_6_months', unnest(['total',
            CASE WHEN directed_on <= directed_due AND directed_on <= {AS_OF} THEN 'within' ELSE 'not_within' END])
        FROM f
        WHERE first_plan <= {AS_OF}
          AND ((directed_on <= directed_due AND directed_on <= {AS_OF}) OR directed_due < {AS_OF})

        UNION ALL
        SELECT c.start, 'civic_orientation', 'total' FROM pg JOIN c ON c.id = pg.customer_id

        UNION ALL
        SELECT ended, 'end_reasons', unnest(['total', {known('end_reason', 'customership-end-reasons', 'reason')}])
        FROM c WHERE ended <= {AS_OF}

        UNION ALL
        SELECT start, 'language_' || skill, unnest(['total', 'first:' || first_level, 'latest:' || latest_level,
                                                    'first:' || first_level || '|latest:' || latest_level])
        FROM lang_progress
    """
    # Language progress per skill: the measurements with a level (assessments on their completion,
    # else start; the integration training's final test), oldest first (assessments before the test
    # on the same day); the baseline is the last one up to the first plan, else the first; the latest
    # is the last; counted when the latest comes after the baseline and both are CEFR levels.
    cefr = codes("cefr-levels")
    q(
        f"""
        CREATE TEMP TABLE lang_progress AS
        WITH measured AS (
            SELECT customer_id, coalesce(completed_on, started_on) AS on_date, 0 AS source,
                   unnest(['{"', '".join(SKILLS)}']) AS skill, unnest([{", ".join(SKILLS)}]) AS level
            FROM a
            UNION ALL
            SELECT customer_id, final_test_on, 1, unnest(['{"', '".join(SKILLS)}']),
                   unnest([{", ".join(SKILLS)}])
            FROM pg WHERE final_test_on IS NOT NULL),
        numbered AS (
            SELECT m.*, f.first_plan, f.start,
                   row_number() OVER (PARTITION BY m.customer_id, skill ORDER BY on_date, source) AS i,
                   count(*) OVER (PARTITION BY m.customer_id, skill) AS n
            FROM measured m JOIN f ON f.id = m.customer_id
            WHERE level IS NOT NULL AND f.first_plan IS NOT NULL),
        ends AS (
            SELECT customer_id, skill, any_value(start) AS start, max(n) AS latest_i,
                   coalesce(max(i) FILTER (WHERE on_date <= first_plan), 1) AS base_i
            FROM numbered GROUP BY customer_id, skill)
        SELECT e.start, e.skill, b.level AS first_level, l.level AS latest_level
        FROM ends e
        JOIN numbered b ON b.customer_id = e.customer_id AND b.skill = e.skill AND b.i = e.base_i
        JOIN numbered l ON l.customer_id = e.customer_id AND l.skill = e.skill AND l.i = e.latest_i
        WHERE e.latest_i > e.base_i
          AND list_contains({sql_list(cefr)}, b.level) AND list_contains({sql_list(cefr)}, l.level)
        """
    )
    counts = q(
        f"""
        SELECT dp.period, x.indicator, x.category, count(*)
        FROM ({contributions}) x JOIN dp ON dp.d = x.d
        WHERE dp.level <> 'month' OR (x.indicator = 'customers' AND x.category = 'total')
        GROUP BY ALL
        """
    ).fetchall()
    civic = q(
        """
        SELECT dp.period, sum(pg.hours), count(*)
        FROM pg JOIN c ON c.id = pg.customer_id JOIN dp ON dp.d = c.start
        WHERE dp.level <> 'month' GROUP BY ALL
        """
    ).fetchall()
    medians = q(
        f"""
        SELECT dp.period, x.indicator, median(x.days), count(*)
        FROM (SELECT start AS d, 'days_to_assessment' AS indicator, greatest(first_started - start, 0) AS days
              FROM f WHERE first_started <= {AS_OF}
              UNION ALL
              SELECT start, 'days_assessment_to_plan', least(greatest(first_plan - first_started, 0), 65535)
              FROM f WHERE first_started IS NOT NULL AND first_plan <= {AS_OF}) x
        JOIN dp ON dp.d = x.d
        WHERE dp.level <> 'month' GROUP BY ALL
        """
    ).fetchall()
    query_s = time.perf_counter() - started
    print(f"duckdb: computed the indicators in {query_s:.2f} s")

    ours = {}
    for period, indicator, category, n in counts:
        ours[(period, indicator, category)] = float(n)
    for period, hours, n in civic:
        ours[(period, "civic_orientation", "hours")] = float(hours)
        ours[(period, "civic_orientation", "mean_hours")] = float(hours) / n
    for period, indicator, value, n in medians:
        ours[(period, indicator, "median")] = float(value)

    # --- Compare ----------------------------------------------------------------------------------
    theirs = {(f["period"], f["indicator"], f["category"]): f["value"] for f in kotopolku["figures"]}
    periods = set(kotopolku["periods"])
    computed = {i for (_, i, _) in ours}
    months = {p for p in periods if len(p) == 7 and p[4] == "-" and p[5:].isdigit()}

    def comparable(key):
        period, indicator, category = key
        if period not in periods:
            return False
        if period in months:
            return indicator == "customers" and category == "total"
        return True

    keys = {k for k in set(ours) | set(theirs) if comparable(k) and k[1] in computed}
    agree, disagree, suppressed = 0, [], 0
    for key in sorted(keys):
        period, indicator, category = key
        if key in theirs and theirs[key] is None:
            suppressed += 1
            continue
        if indicator in MEDIANS:
            mine, kp = ours.get(key), theirs.get(key)
        else:
            # A category Kotopolku does not list is zero.
            mine, kp = ours.get(key, 0.0), theirs.get(key, 0.0)
        if mine is not None and kp is not None and abs(mine - kp) <= 1e-6 * max(1.0, abs(mine)):
            agree += 1
        else:
            disagree.append(f"{period} {indicator} {category}: Kotopolku {kp}, DuckDB {mine}")
    not_computed = sum(1 for k, v in theirs.items() if v is not None and k[1] not in computed)
    print(
        f"duckdb: {agree} of {len(keys) - suppressed} figures agree, {len(disagree)} disagree "
        f"({suppressed} suppressed by Kotopolku skipped)"
    )
    for d in disagree[:50]:
        print("duckdb:   " + d)

    facts_file = os.path.join(directory, "facts.jsonl")
    if os.path.exists(facts_file):
        compare_facts(con, facts_file)

    result = {
        "duckdb_version": duckdb.__version__,
        "threads": int(threads),
        "customers": n_customers,
        "records": n_records,
        "load_s": load_s,
        "query_s": query_s,
        "compared": len(keys) - suppressed,
        "agree": agree,
        "disagree": len(disagree),
        "suppressed": suppressed,
        "not_computed": not_computed,
        "disagreements": disagree[:1000],
    }
    with open(os.path.join(directory, "duckdb-result.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)


def compare_facts(con, facts_file):
    """Each customer's dates as Kotopolku derived them against ours (diagnostics, untimed)."""
    con.execute(
        """
        CREATE TEMP TABLE kf AS
        SELECT customer_id,
               CAST(facts->>'$.assessment_due_on' AS DATE) AS due,
               CAST(facts->>'$.assessment_started_on' AS DATE) AS first_started,
               CAST(facts->>'$.first_plan_on' AS DATE) AS first_plan,
               CAST(facts->>'$.directed_on' AS DATE) AS directed_on,
               CAST(facts->>'$.customership_end' AS DATE) AS ended,
               facts->>'$.end_reason' AS end_reason,
               CAST(facts->>'$.civic_orientation_hours' AS BIGINT) AS hours
        FROM read_json(?, format = 'newline_delimited', columns = {'customer_id': 'VARCHAR', 'facts': 'JSON'})
        """,
        [facts_file],
    )
    con.execute("CREATE TEMP TABLE hours AS SELECT customer_id, hours FROM pg")
    for column in ["due", "first_started", "first_plan", "directed_on", "ended", "end_reason"]:
        n, example = con.execute(
            f"""
            SELECT count(*), min(f.id)
            FROM f JOIN kf ON kf.customer_id = f.id
            WHERE f.{column} IS DISTINCT FROM kf.{column}
            """
        ).fetchone()
        line = f"duckdb: facts: {column} differs for {n} customers"
        if n:
            ours, theirs = con.execute(
                f"SELECT f.{column}, kf.{column} FROM f JOIN kf ON kf.customer_id = f.id WHERE f.id = ?", [example]
            ).fetchone()
            line += f", e.g. {example}: DuckDB {ours}, Kotopolku {theirs}"
        print(line)
    n = con.execute(
        """
        SELECT count(*) FROM kf FULL JOIN hours ON hours.customer_id = kf.customer_id
        WHERE kf.hours IS DISTINCT FROM hours.hours
        """
    ).fetchone()[0]
    print(f"duckdb: facts: civic orientation hours differ for {n} customers")


if __name__ == "__main__":
    main()
