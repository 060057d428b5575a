-- The public views: a contract with the users who query the database directly
-- (docs/reporting-schema.md). Names, columns and meanings stay; add, don't change.
-- Dollar-brace placeholders are numbers from data/config.toml ([ta_rules], [federal]), checked before use,
-- and words of the allocation rules (ingest/allocation_rules.py), filled in by ingest/store/db.py views_sql.
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
                allocation_category IN (${victim_services})
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

-- ---------------------------------------------------------------------------------------------
-- Federal reporting (schema 3; docs/reporting-schema.md). The numbers in dollar-brace placeholders
-- come from data/config.toml [federal]; the allocation rules from ingest/allocation_rules.py (the
-- same RULES the Allocation page and export check per award year), both filled in by views_sql.

-- The date every federal status is judged at: the latest reporting quarter's end plus the days a
-- quarterly report is allowed, so figures do not move with the clock. NULL before any accepted report.
CREATE OR REPLACE VIEW federal_as_of AS
SELECT (quarter_end(period) + INTERVAL ${report_due_days} DAY)::DATE AS as_of, quarter_index(period) AS last_q
FROM reporting_quarter;

CREATE OR REPLACE VIEW federal_awards AS
WITH numbers AS (
    SELECT federal_award_number FROM federal_award
    UNION
    SELECT federal_award_number FROM subgrant WHERE federal_award_number IS NOT NULL
), sub AS (
    SELECT federal_award_number, count(*) AS subgrants, sum(award_amount) AS subawarded, sum(returned_unused) AS returned
    FROM subgrant WHERE federal_award_number IS NOT NULL GROUP BY ALL
)
SELECT n.federal_award_number, f.federal_fiscal_year, f.award_amount, f.admin_share, f.period_start, f.period_end,
       CAST(coalesce(s.subgrants, 0) AS INTEGER) AS subgrants,
       CAST(coalesce(s.subawarded, 0) AS DECIMAL(14, 2)) AS subawarded,
       CAST(s.returned AS DECIMAL(14, 2)) AS returned,
       CAST(NULL AS DECIMAL(14, 2)) AS reawarded,  -- not tracked: the register does not say which awards re-use returned funds
       CAST(f.award_amount - f.admin_share - coalesce(s.subawarded, 0) + coalesce(s.returned, 0) AS DECIMAL(14, 2)) AS unobligated,
       f.federal_award_number IS NOT NULL AS known
FROM numbers n
LEFT JOIN federal_award f USING (federal_award_number)
LEFT JOIN sub s USING (federal_award_number);

-- The allocation rules, one row each (generated from ingest/allocation_rules.py RULES).
CREATE OR REPLACE VIEW allocation_rule AS
SELECT * FROM (VALUES
    ${allocation_rules}
) AS t(position, code, "check", kind, share, measure, categories);

CREATE OR REPLACE VIEW sa_allocation AS
SELECT * FROM (VALUES ${sa_allocations}) AS t(allocation_category, allocation);

CREATE OR REPLACE VIEW allocation_ledger AS
WITH sub AS (
    SELECT a.federal_award_number, a.allocation_category, a.award_amount, coalesce(a.sa_amount, 0) AS sa_amount,
           EXISTS (SELECT 1 FROM award_purpose_areas p
                   WHERE p.subgrant_id = a.subgrant_id AND p.purpose_area = ${prevention_area}) AS prevention
    FROM awards a WHERE a.federal_award_number IS NOT NULL
), base AS (
    SELECT s.federal_award_number, sum(s.award_amount) AS base_dollars,
           any_value(f.award_amount - f.admin_share) AS base_with_admin
    FROM sub s LEFT JOIN federal_award f USING (federal_award_number)
    GROUP BY ALL HAVING sum(s.award_amount) > 0
), measured AS (
    SELECT r.position, r.code, s.federal_award_number,
           CASE r.measure
               WHEN 'categories' THEN coalesce(sum(s.award_amount) FILTER (WHERE list_contains(r.categories, s.allocation_category)), 0)
               WHEN 'sexual_assault' THEN sum(s.sa_amount)
               WHEN 'purpose_area' THEN coalesce(sum(s.award_amount) FILTER (WHERE s.prevention), 0)
               WHEN 'sa_allocations' THEN coalesce(sum(s.sa_amount) FILTER (WHERE x.allocation IS NOT NULL AND s.sa_amount > 0), 0)
           END AS actual,
           count(DISTINCT x.allocation) FILTER (WHERE s.sa_amount > 0) AS allocations
    FROM allocation_rule r
    CROSS JOIN sub s
    LEFT JOIN sa_allocation x ON x.allocation_category = s.allocation_category
    GROUP BY r.position, r.code, r.measure, r.categories, s.federal_award_number
), required AS (
    SELECT m.*, r."check", r.kind, r.share, b.base_dollars, b.base_with_admin,
           -- A floor's required dollars are rounded up to the cent, a cap's down, as in the Allocation page.
           CASE r.kind WHEN 'floor' THEN ceil(b.base_dollars * r.share * 100) / 100
                       WHEN 'cap' THEN floor(b.base_dollars * r.share * 100) / 100 END AS req,
           CASE r.kind WHEN 'floor' THEN ceil(b.base_with_admin * r.share * 100) / 100
                       WHEN 'cap' THEN floor(b.base_with_admin * r.share * 100) / 100 END AS req_admin
    FROM measured m JOIN allocation_rule r USING (position, code) JOIN base b USING (federal_award_number)
)
SELECT federal_award_number, code, "check", kind,
       CAST(share AS DOUBLE) AS floor_or_cap,
       'Dollars subawarded on this federal award (the register''s award amounts of its subgrants)' AS base,
       CAST(base_dollars AS DECIMAL(14, 2)) AS base_dollars,
       CAST(req AS DECIMAL(14, 2)) AS required_dollars,
       CAST(actual AS DECIMAL(14, 2)) AS actual_dollars,
       round(CAST(actual AS DOUBLE) / CAST(base_dollars AS DOUBLE), 6) AS actual_share,
       CASE kind WHEN 'floor' THEN actual >= req WHEN 'cap' THEN actual <= req ELSE allocations >= 2 END AS met,
       CAST(actual - req AS DECIMAL(14, 2)) AS dollars_short_or_over,
       CAST(base_with_admin AS DECIMAL(14, 2)) AS base_with_admin_dollars,
       CAST(req_admin AS DECIMAL(14, 2)) AS required_with_admin_dollars,
       CASE kind WHEN 'floor' THEN actual >= req_admin WHEN 'cap' THEN actual <= req_admin
                 ELSE CASE WHEN base_with_admin IS NOT NULL THEN allocations >= 2 END END AS met_with_admin
FROM required
ORDER BY federal_award_number, position;

-- The year's roll-up of a subgrant's accepted quarterly reports. "At year end" is the latest quarter
-- of the year whose report had the sheet in question; NULL where no report of the year had it.
CREATE OR REPLACE VIEW calendar_year_subgrant AS
WITH q AS (
    SELECT s.*, CAST(left(s.period, 4) AS INTEGER) AS calendar_year FROM current_submission s
), last_with AS (
    SELECT subgrant_key, calendar_year,
           arg_max(submission_id, period) FILTER (WHERE has_partners) AS partners_sub,
           arg_max(period, period) FILTER (WHERE has_partners) AS partners_period,
           arg_max(period, period) FILTER (WHERE has_practices) AS practices_period
    FROM q GROUP BY ALL
), par AS (
    SELECT l.subgrant_key, l.calendar_year, CAST(len(list_distinct(flatten(list(p.names)))) AS INTEGER) AS partners,
           map_from_entries(list(struct_pack(k := p.discipline, v := p.n)) FILTER (WHERE p.discipline IS NOT NULL)) AS by_discipline
    FROM last_with l
    LEFT JOIN (SELECT submission_id, discipline, list(DISTINCT partner) AS names, CAST(count(DISTINCT partner) AS INTEGER) AS n
               FROM partner_row GROUP BY ALL) p ON p.submission_id = l.partners_sub
    WHERE l.partners_sub IS NOT NULL
    GROUP BY ALL
), pro AS (
    SELECT q.subgrant_key, q.calendar_year,
           count(DISTINCT r.protocol) FILTER (WHERE r.step >= adopted_step() - 1) AS developed,
           count(DISTINCT r.protocol) FILTER (WHERE year(r.adopted_on) = q.calendar_year) AS adopted,
           count(DISTINCT r.protocol) FILTER (WHERE year(r.last_reviewed_on) = q.calendar_year) AS reviewed
    FROM q LEFT JOIN protocol_row r USING (submission_id) WHERE q.has_protocols GROUP BY ALL
), svc AS (
    SELECT q.subgrant_key, q.calendar_year, sum(r.served) AS served, sum(r.partially_served) AS partially, sum(r.not_served) AS not_served
    FROM q LEFT JOIN service_row r USING (submission_id) WHERE q.has_services GROUP BY ALL
), fun AS (
    SELECT q.subgrant_key, q.calendar_year,
           sum(r.amount) FILTER (WHERE r.form = ${cash_form}) AS cash,
           sum(r.amount) FILTER (WHERE r.form = ${in_kind_form}) AS in_kind,
           sum(r.amount) AS total
    FROM q LEFT JOIN funding_row r USING (submission_id) WHERE q.has_funding GROUP BY ALL
), ta AS (
    SELECT q.subgrant_key, q.calendar_year, count(r.row_num) AS n
    FROM q LEFT JOIN ta_row r USING (submission_id) WHERE q.has_ta GROUP BY ALL
), base AS (
    SELECT subgrant_key, any_value(subgrant_id) AS subgrant_id, calendar_year, count(DISTINCT period) AS quarters_reported,
           sum(meetings_held) AS meetings_held, sum(survivors_engaged) AS survivors_engaged
    FROM q GROUP BY subgrant_key, calendar_year
)
SELECT b.subgrant_id, b.calendar_year,
       CAST(b.quarters_reported AS INTEGER) AS quarters_reported,
       CAST(par.partners AS INTEGER) AS partners,
       CAST(CASE WHEN l.partners_sub IS NOT NULL THEN coalesce(par.by_discipline, MAP {}) END AS MAP(VARCHAR, INTEGER)) AS partners_by_discipline,
       CAST(cpp.mous_signed AS INTEGER) AS mous_signed,
       CAST(b.meetings_held AS INTEGER) AS meetings_held,
       CAST(pro.developed AS INTEGER) AS protocols_developed,
       CAST(pro.adopted AS INTEGER) AS protocols_adopted,
       CAST(pro.reviewed AS INTEGER) AS protocols_reviewed,
       CAST(cpr.practices_in_place AS INTEGER) AS survivor_practices_in_place,
       CAST(b.survivors_engaged AS INTEGER) AS survivors_engaged,
       CAST(svc.served AS INTEGER) AS services_served,
       CAST(svc.partially AS INTEGER) AS services_partially_served,
       CAST(svc.not_served AS INTEGER) AS services_not_served,
       CAST(CASE WHEN fun.subgrant_key IS NOT NULL THEN coalesce(fun.cash, 0) END AS DECIMAL(14, 2)) AS leveraged_cash,
       CAST(CASE WHEN fun.subgrant_key IS NOT NULL THEN coalesce(fun.in_kind, 0) END AS DECIMAL(14, 2)) AS leveraged_in_kind,
       CAST(CASE WHEN fun.subgrant_key IS NOT NULL THEN coalesce(fun.total, 0) END AS DECIMAL(14, 2)) AS leveraged_total,
       CAST(ta.n AS INTEGER) AS ta_requests
FROM base b
JOIN last_with l USING (subgrant_key, calendar_year)
LEFT JOIN par USING (subgrant_key, calendar_year)
LEFT JOIN community_period cpp ON cpp.subgrant_id = b.subgrant_id AND cpp.period = l.partners_period
LEFT JOIN community_period cpr ON cpr.subgrant_id = b.subgrant_id AND cpr.period = l.practices_period
LEFT JOIN pro USING (subgrant_key, calendar_year)
LEFT JOIN svc USING (subgrant_key, calendar_year)
LEFT JOIN fun USING (subgrant_key, calendar_year)
LEFT JOIN ta USING (subgrant_key, calendar_year);

-- Every quarter a subgrant owes a report (its dates overlap the quarter, as expected_reports), through the
-- end of the latest reporting quarter's calendar year; received on = the day the first accepted file came in.
CREATE OR REPLACE VIEW report_timeliness AS
WITH owed AS (
    SELECT g.subgrant_key, g.subgrant_id, quarter_label(q) AS period, a.as_of
    FROM subgrant g, federal_as_of a,
         range(quarter_index(quarter_of(g.start_date)), least(quarter_index(quarter_of(g.end_date)), a.last_q // 4 * 4 + 3) + 1) AS r(q)
    WHERE a.as_of IS NOT NULL
), first_in AS (
    SELECT subgrant_key, period, min(ingested_at)::DATE AS received_on
    FROM submission WHERE status IN ('accepted', 'accepted_with_errors', 'superseded') GROUP BY ALL
), dated AS (
    SELECT o.subgrant_id, o.period, (quarter_end(o.period) + INTERVAL ${report_due_days} DAY)::DATE AS due_on, f.received_on, o.as_of
    FROM owed o LEFT JOIN first_in f USING (subgrant_key, period)
)
SELECT subgrant_id, period, due_on, received_on,
       CAST(CASE WHEN received_on IS NOT NULL THEN greatest(received_on - due_on, 0)
                 WHEN due_on <= as_of THEN as_of - due_on END AS INTEGER) AS days_late,
       CASE WHEN received_on IS NOT NULL THEN CASE WHEN received_on <= due_on THEN 'on time' ELSE 'late' END
            WHEN due_on > as_of THEN 'not yet due'
            ELSE 'missing' END AS status
FROM dated;

-- Match: what the register requires against what the accepted reports document.
CREATE OR REPLACE VIEW match_status AS
WITH doc AS (
    SELECT s.subgrant_key,
           sum(r.amount) FILTER (WHERE r.counts_toward_match AND r.form = ${cash_form}) AS cash,
           sum(r.amount) FILTER (WHERE r.counts_toward_match AND r.form = ${in_kind_form}) AS in_kind,
           sum(r.amount) FILTER (WHERE r.counts_toward_match) AS total
    FROM current_submission s LEFT JOIN funding_row r USING (submission_id)
    WHERE s.has_funding GROUP BY ALL
)
SELECT a.subgrant_id, a.award_year, a.match_required, a.match_exempt,
       CAST(CASE WHEN d.subgrant_key IS NOT NULL THEN coalesce(d.cash, 0) END AS DECIMAL(14, 2)) AS documented_cash,
       CAST(CASE WHEN d.subgrant_key IS NOT NULL THEN coalesce(d.in_kind, 0) END AS DECIMAL(14, 2)) AS documented_in_kind,
       CAST(CASE WHEN d.subgrant_key IS NOT NULL THEN coalesce(d.total, 0) END AS DECIMAL(14, 2)) AS documented,
       CAST(CASE WHEN a.match_exempt THEN 0 ELSE greatest(a.match_required - coalesce(d.total, 0), 0) END AS DECIMAL(14, 2)) AS short_by,
       CASE WHEN a.match_exempt THEN true ELSE a.match_required - coalesce(d.total, 0) <= 0 END AS met
FROM awards a
JOIN subgrant g ON g.subgrant_id = a.subgrant_id
LEFT JOIN doc d ON d.subgrant_key = g.subgrant_key;

-- The federal calendar of each year a subgrant runs in: state-level dates (subgrant_id NULL) and each
-- subgrant's own. Status is judged at federal_as_of, never at today's clock.
CREATE OR REPLACE VIEW federal_deadlines AS
WITH years AS (
    SELECT DISTINCT y AS calendar_year
    FROM subgrant g, range(year(g.start_date), year(g.end_date) + 1) AS r(y)
), dated AS (
    SELECT CAST(left(t.period, 4) AS INTEGER) AS calendar_year, 'Quarterly progress report' AS deadline, t.due_on,
           'The ' || t.period || ' progress report from the subgrantee' AS what, t.subgrant_id, t.status
    FROM report_timeliness t
    UNION ALL
    SELECT y.calendar_year, 'Quarterly financial report',
           (quarter_end(CAST(y.calendar_year AS VARCHAR) || '-Q' || CAST(q AS VARCHAR)) + INTERVAL ${financial_due_days} DAY)::DATE,
           'The state''s financial report for ' || y.calendar_year || '-Q' || q, NULL, NULL
    FROM years y, range(1, 5) AS r(q)
    UNION ALL
    SELECT y.calendar_year, 'Subgrantee annual data',
           make_date(y.calendar_year + 1, ${annual_due_month}, ${annual_due_day}),
           'The subgrantee''s annual progress data for ' || y.calendar_year || ' in the federal reporting tool',
           g.subgrant_id,
           CASE WHEN i.submitted_on IS NOT NULL THEN 'submitted' END
    FROM years y
    JOIN subgrant g ON y.calendar_year BETWEEN year(g.start_date) AND year(g.end_date)
    LEFT JOIN impact_status i ON i.subgrant_key = g.subgrant_key AND i.calendar_year = y.calendar_year
    UNION ALL
    SELECT y.calendar_year, 'STOP Administrator report', make_date(y.calendar_year + 1, ${admin_report_month}, ${admin_report_day}),
           'The state''s STOP Administrator report for ' || y.calendar_year, NULL, NULL
    FROM years y
    UNION ALL
    SELECT year(g.award_date), 'Subaward report (FFATA)',
           (date_trunc('month', g.award_date) + INTERVAL 2 MONTH - INTERVAL 1 DAY)::DATE,
           'The federal subaward report of a subaward of ' || printf('$$%,.2f', g.award_amount) || ' made on ' || strftime(g.award_date, '%Y-%m-%d'),
           g.subgrant_id, NULL
    FROM subgrant g WHERE g.award_amount >= ${ffata_threshold} AND g.award_date IS NOT NULL
)
SELECT d.calendar_year, d.deadline, d.due_on, d.what, d.subgrant_id,
       coalesce(d.status, CASE WHEN a.as_of IS NULL THEN NULL WHEN d.due_on > a.as_of THEN 'not yet due' ELSE 'due date passed' END) AS status
FROM dated d LEFT JOIN federal_as_of a ON true;
