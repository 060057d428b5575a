-- The public views: a contract with the users who query the database directly
-- (docs/reporting-schema.md). Names, columns and meanings stay; add, don't change.
-- Dollar-brace placeholders are numbers from data/config.toml [ta_rules], checked before use.
-- Vocabulary comes from the tables ingest/store/db.py seeds from ingest/vocab.py (protocol_step,
-- maturity_level, funding_type, practice_status, essential_discipline), never from words copied here.

-- The quarter arithmetic of ingest/quarters.py, in SQL (tests/test_quarters.py checks they agree).
CREATE OR REPLACE MACRO quarter_index(p) AS CAST(left(p, 4) AS INTEGER) * 4 + CAST(right(p, 1) AS INTEGER) - 1;
CREATE OR REPLACE MACRO quarter_label(i) AS CAST(i // 4 AS VARCHAR) || '-Q' || CAST(i % 4 + 1 AS VARCHAR);
CREATE OR REPLACE MACRO quarter_end(p) AS
    (make_date(CAST(left(p, 4) AS INTEGER), CAST(right(p, 1) AS INTEGER) * 3, 1) + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE;
CREATE OR REPLACE MACRO quarter_start(p) AS make_date(CAST(left(p, 4) AS INTEGER), CAST(right(p, 1) AS INTEGER) * 3 - 2, 1);
CREATE OR REPLACE MACRO quarter_of(d) AS CAST(year(d) AS VARCHAR) || '-Q' || CAST(quarter(d) AS VARCHAR);
-- The first step of an adopted protocol (5: interagency agreements renewed).
CREATE OR REPLACE MACRO adopted_step() AS (SELECT min(step) FROM protocol_step WHERE adopted);

CREATE OR REPLACE VIEW current_submission AS
SELECT * FROM submission WHERE status IN ('accepted', 'accepted_with_errors');

CREATE OR REPLACE VIEW awards AS
SELECT subgrant_id, organization, community, allocation_category, award_year, award_amount,
       sa_amount, match_required, start_date, end_date,
       -- Schema 3 (federal reporting): NULL where the register does not say.
       federal_award_number, award_date, uei, returned_unused,
       -- Effective: as the register says, else the federal-share rule's default (victim services and
       -- tribal projects need no match); match_exempt_stated is the register's own cell (NULL = blank).
       coalesce(match_exempt,
                allocation_category IN ('Victim services', 'Culturally specific victim services')
                OR coalesce(len(tribal_nations), 0) > 0) AS match_exempt,
       match_exempt AS match_exempt_stated
FROM subgrant;

CREATE OR REPLACE VIEW award_counties AS
SELECT g.subgrant_id, c.fips AS county_fips, c.name AS county_name
FROM subgrant g, unnest(g.county_fips) AS u(fips)
JOIN county_ref c ON c.fips = u.fips;

-- Added views (not in the original contract; free to use).
CREATE OR REPLACE VIEW award_purpose_areas AS
SELECT g.subgrant_id, u.purpose_area
FROM subgrant g, unnest(g.purpose_areas) AS u(purpose_area);

CREATE OR REPLACE VIEW award_tribal_nations AS
SELECT g.subgrant_id, u.tribal_nation
FROM subgrant g, unnest(g.tribal_nations) AS u(tribal_nation);

CREATE OR REPLACE VIEW counties AS
SELECT fips AS county_fips, name AS county_name, region FROM county_ref;

CREATE OR REPLACE VIEW ta_requests AS
SELECT s.subgrant_id, s.period, r.topic, r.requested_on, r.status
FROM ta_row r JOIN current_submission s USING (submission_id);

-- Aggregate counts of people served: never shown below the suppression threshold in exports.
CREATE OR REPLACE VIEW services AS
SELECT s.subgrant_id, s.period, r.victimization, r.served, r.partially_served, r.not_served
FROM service_row r JOIN current_submission s USING (submission_id);

CREATE OR REPLACE VIEW audit_log AS
SELECT occurred_at, who, action, target, sha256, detail, result FROM audit;

CREATE OR REPLACE VIEW submissions AS
SELECT submission_id, subgrant_id, period, source_file, sha256, ingested_at, status, error_count, warning_count
FROM submission;

CREATE OR REPLACE VIEW ingest_issues AS
SELECT i.submission_id, s.source_file, i.sheet, i.cell, i.severity, i.code, i.message
FROM issue i JOIN submission s USING (submission_id);

CREATE OR REPLACE VIEW partners AS
SELECT s.subgrant_id, s.period, r.partner, r.discipline, r.mou_signed, r.meetings_attended
FROM partner_row r JOIN current_submission s USING (submission_id);

CREATE OR REPLACE VIEW maturity_scores AS
SELECT s.subgrant_id, s.period, r.indicator_code, r.score
FROM maturity_row r JOIN current_submission s USING (submission_id);

CREATE OR REPLACE VIEW protocols AS
SELECT s.subgrant_id, s.period, r.protocol, r.focus, r.step, ps.name AS step_name,
       r.adopted_on, r.last_reviewed_on
FROM protocol_row r JOIN current_submission s USING (submission_id)
LEFT JOIN protocol_step ps ON ps.step = r.step;

CREATE OR REPLACE VIEW survivor_practices AS
SELECT s.subgrant_id, s.period, r.practice_code, r.status
FROM practice_row r JOIN current_submission s USING (submission_id);

CREATE OR REPLACE VIEW funding AS
SELECT s.subgrant_id, s.period, r.source, r.source_type, r.form, r.amount,
       r.source_type IN (SELECT source_type FROM funding_type WHERE is_private) AS is_private,
       r.counts_toward_match
FROM funding_row r JOIN current_submission s USING (submission_id);

CREATE OR REPLACE VIEW community_period_live AS
WITH mat AS (
    SELECT submission_id,
           CASE WHEN count(DISTINCT indicator_code) >= 7 THEN round(avg(score), 2) END AS maturity_score
    FROM maturity_row GROUP BY submission_id
), par AS (
    SELECT submission_id, count(DISTINCT discipline) AS disciplines_present,
           count(*) FILTER (WHERE mou_signed) AS mous_signed
    FROM partner_row GROUP BY submission_id
), missing AS (
    SELECT s.submission_id, string_agg(e.discipline, '; ' ORDER BY e.discipline) AS essential_missing
    FROM current_submission s
    JOIN subgrant g USING (subgrant_key)
    JOIN essential_discipline e ON NOT e.tribal_only OR len(g.tribal_nations) > 0
    WHERE NOT EXISTS (SELECT 1 FROM partner_row p
                      WHERE p.submission_id = s.submission_id AND p.discipline = e.discipline)
    GROUP BY s.submission_id
), pro AS (
    SELECT submission_id, max(step) AS protocol_step_max, count(*) FILTER (WHERE step >= adopted_step()) AS protocols_adopted
    FROM protocol_row GROUP BY submission_id
), pra AS (
    SELECT submission_id, count(*) FILTER (WHERE ps.in_place) AS practices_in_place
    FROM practice_row r LEFT JOIN practice_status ps USING (status) GROUP BY submission_id
), fun AS (
    SELECT submission_id,
           sum(amount) FILTER (WHERE ft.is_private) AS leveraged_private,
           sum(amount) AS leveraged_total
    FROM funding_row r LEFT JOIN funding_type ft USING (source_type) GROUP BY submission_id
)
SELECT g.subgrant_id, g.community, s.period,
       mat.maturity_score,
       ml.name AS maturity_level,
       CASE WHEN s.has_partners THEN coalesce(par.disciplines_present, 0) END AS disciplines_present,
       CASE WHEN s.has_partners THEN coalesce(missing.essential_missing, '') END AS essential_missing,
       CASE WHEN s.has_partners THEN coalesce(par.mous_signed, 0) END AS mous_signed,
       CASE WHEN s.has_protocols THEN pro.protocol_step_max END AS protocol_step_max,
       CASE WHEN s.has_protocols THEN coalesce(pro.protocols_adopted, 0) END AS protocols_adopted,
       CASE WHEN s.has_practices THEN coalesce(pra.practices_in_place, 0) END AS practices_in_place,
       s.survivors_engaged,
       CASE WHEN s.has_funding THEN CAST(coalesce(fun.leveraged_private, 0) AS DECIMAL(14, 2)) END AS leveraged_private,
       CASE WHEN s.has_funding THEN CAST(coalesce(fun.leveraged_total, 0) AS DECIMAL(14, 2)) END AS leveraged_total,
       CASE WHEN s.has_funding AND g.award_amount > 0
            THEN round(CAST(coalesce(fun.leveraged_total, 0) AS DOUBLE) / CAST(g.award_amount AS DOUBLE), 4)
       END AS leverage_ratio
FROM current_submission s
JOIN subgrant g USING (subgrant_key)
LEFT JOIN mat USING (submission_id)
LEFT JOIN par USING (submission_id)
LEFT JOIN missing USING (submission_id)
LEFT JOIN pro USING (submission_id)
LEFT JOIN pra USING (submission_id)
LEFT JOIN fun USING (submission_id)
LEFT JOIN maturity_level ml ON ml.level = CAST(floor(mat.maturity_score + 0.5) AS INTEGER);

-- community_period and ta_priority are read by every dashboard page and export, and computing
-- them takes a while on a national database: each is kept as a table that the loader refreshes
-- in the same transaction as every batch it stores (ingest.store.db.refresh_derived), so the table
-- never disagrees with the facts. The public names stay views over those tables.
CREATE OR REPLACE TABLE community_period_cache AS SELECT * FROM community_period_live;
CREATE OR REPLACE VIEW community_period AS SELECT * FROM community_period_cache;

-- The portfolio's reporting quarter: the latest quarter any accepted report covers.
CREATE OR REPLACE VIEW reporting_quarter AS
SELECT max(period) AS period FROM current_submission;

-- Every quarter a subgrant owes a report (its dates overlap the quarter), up to the
-- reporting quarter, and whether an accepted one is in.
CREATE OR REPLACE VIEW expected_reports AS
WITH bounds AS (
    SELECT quarter_index(period) AS last_q FROM reporting_quarter WHERE period IS NOT NULL
), owed AS (
    SELECT g.subgrant_key, g.subgrant_id, g.community, g.award_year, g.allocation_category,
           quarter_label(q) AS period
    FROM subgrant g, bounds b,
         range(quarter_index(quarter_of(g.start_date)), least(quarter_index(quarter_of(g.end_date)), b.last_q) + 1) AS r(q)
)
SELECT o.subgrant_id, o.community, o.award_year, o.allocation_category, o.period,
       EXISTS (SELECT 1 FROM current_submission s
               WHERE s.subgrant_key = o.subgrant_key AND s.period = o.period) AS received
FROM owed o;

CREATE OR REPLACE VIEW ta_priority_live AS
WITH cp AS (
    SELECT c.*, quarter_index(c.period) AS qi,
           row_number() OVER (PARTITION BY c.subgrant_id ORDER BY c.period DESC) AS recency
    FROM community_period c
), latest AS (
    SELECT * FROM cp WHERE recency = 1
), prev AS (
    SELECT * FROM cp WHERE recency = 2
), breaks AS (
    SELECT subgrant_id, qi, protocol_step_max,
           CASE WHEN protocol_step_max IS NOT DISTINCT FROM lag(protocol_step_max) OVER w
                 AND qi = lag(qi) OVER w + 1 THEN 0 ELSE 1 END AS new_run
    FROM cp WINDOW w AS (PARTITION BY subgrant_id ORDER BY qi)
), runs AS (
    SELECT *, sum(new_run) OVER (PARTITION BY subgrant_id ORDER BY qi) AS run_id FROM breaks
), stalled AS (
    -- How many consecutive quarters, ending at the latest, the highest step has not moved.
    SELECT subgrant_id, any_value(protocol_step_max) AS step, count(*) AS run
    FROM runs r
    WHERE run_id = (SELECT max(run_id) FROM runs x WHERE x.subgrant_id = r.subgrant_id)
    GROUP BY subgrant_id
    HAVING any_value(protocol_step_max) < ${stalled_below_step}
), overdue AS (
    SELECT s.subgrant_id, count(*) AS n
    FROM current_submission s
    JOIN latest l ON l.subgrant_id = s.subgrant_id AND l.period = s.period
    JOIN protocol_row r USING (submission_id)
    WHERE r.step >= adopted_step()
      AND coalesce(r.last_reviewed_on, r.adopted_on) IS NOT NULL
      AND coalesce(r.last_reviewed_on, r.adopted_on) < quarter_end(s.period) - INTERVAL ${review_months} MONTH
    GROUP BY s.subgrant_id
), private4 AS (
    SELECT l.subgrant_id, sum(c.leveraged_private) AS private_sum
    FROM latest l JOIN cp c ON c.subgrant_id = l.subgrant_id AND c.qi > l.qi - ${private_quarters}
    GROUP BY l.subgrant_id
), last_file AS (
    SELECT subgrant_key, period, status, error_count,
           row_number() OVER (PARTITION BY subgrant_key ORDER BY ingested_at DESC, submission_id DESC) AS k
    FROM submission WHERE subgrant_key IS NOT NULL AND status <> 'superseded'
), owed_now AS (
    SELECT e.subgrant_id, e.period FROM expected_reports e, reporting_quarter q
    WHERE e.period = q.period AND NOT e.received
), reasons AS (
    SELECT g.subgrant_id, g.community, l.period,
        list_value(
            CASE WHEN st.run >= ${stalled_quarters} THEN
                struct_pack(w := ${w_stalled}, r := 'Protocol has stayed at step ' || st.step || ' ('
                    || (SELECT name FROM protocol_step WHERE step = st.step)
                    || ') for ' || st.run || ' quarters') END,
            CASE WHEN od.n > 0 THEN
                struct_pack(w := ${w_overdue}, r := od.n || CASE WHEN od.n = 1 THEN ' adopted protocol has' ELSE ' adopted protocols have' END
                    || ' not been reviewed in the last ${review_months} months') END,
            CASE WHEN l.maturity_score < ${low_maturity_below} THEN
                struct_pack(w := ${w_low}, r := 'Collaboration maturity is low: ' || printf('%.2f', l.maturity_score)
                    || ' (' || l.maturity_level || '), below ${low_maturity_below}') END,
            CASE WHEN p.maturity_score - l.maturity_score >= ${fell_by} - 1e-9 AND p.qi = l.qi - 1 THEN
                struct_pack(w := ${w_fell}, r := 'Collaboration maturity fell ' || printf('%.2f', p.maturity_score - l.maturity_score)
                    || ' since ' || p.period || ' (' || printf('%.2f', p.maturity_score) || ' to ' || printf('%.2f', l.maturity_score) || ')') END,
            CASE WHEN l.essential_missing <> '' THEN
                struct_pack(w := least(${w_missing_each} * len(string_split(l.essential_missing, '; ')), ${w_missing_max}),
                            r := 'Essential partners missing from the table: ' || l.essential_missing) END,
            CASE WHEN l.practices_in_place = 0 THEN
                struct_pack(w := ${w_no_practice}, r := 'No survivor-engagement practice is in place') END,
            CASE WHEN l.period IS NOT NULL AND coalesce(pf.private_sum, 0) = 0 THEN
                struct_pack(w := ${w_no_private}, r := 'No private funding reported in the last ${private_quarters} quarters') END,
            CASE WHEN ow.period IS NOT NULL THEN
                struct_pack(w := ${w_missing_report}, r := 'No accepted report for ' || ow.period || ', the latest quarter') END,
            CASE WHEN lf.status = 'rejected' THEN
                struct_pack(w := ${w_errors}, r := 'The latest file sent' || coalesce(' for ' || lf.period, '') || ' was rejected')
                 WHEN lf.status = 'accepted_with_errors' THEN
                struct_pack(w := ${w_errors}, r := 'The latest report (' || lf.period || ') had ' || lf.error_count
                    || CASE WHEN lf.error_count = 1 THEN ' row error' ELSE ' row errors' END) END
        ) AS found
    FROM subgrant g
    LEFT JOIN latest l ON l.subgrant_id = g.subgrant_id
    LEFT JOIN prev p ON p.subgrant_id = g.subgrant_id
    LEFT JOIN stalled st ON st.subgrant_id = g.subgrant_id
    LEFT JOIN overdue od ON od.subgrant_id = g.subgrant_id
    LEFT JOIN private4 pf ON pf.subgrant_id = g.subgrant_id
    LEFT JOIN owed_now ow ON ow.subgrant_id = g.subgrant_id
    LEFT JOIN last_file lf ON lf.subgrant_key = g.subgrant_key AND lf.k = 1
    WHERE l.period IS NOT NULL OR ow.period IS NOT NULL
)
SELECT subgrant_id, community, period,
       CAST(coalesce(list_sum([x.w FOR x IN list_filter(found, lambda x: x IS NOT NULL)]), 0) AS INTEGER) AS need_score,
       [x.r FOR x IN list_filter(found, lambda x: x IS NOT NULL)] AS reasons
FROM reasons;

CREATE OR REPLACE TABLE ta_priority_cache AS SELECT * FROM ta_priority_live;
CREATE OR REPLACE VIEW ta_priority AS SELECT * FROM ta_priority_cache;
