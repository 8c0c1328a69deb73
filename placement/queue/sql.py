"""The queue's SQL, written once: R-Q-2's order and R-S-6's eligible set and seats in priority access.

Every text is asked "as of" a moment (%(at)s), so the queue at the previous protocol can be rebuilt
from the same rows (filing, closing, referral and privilege times) to explain a move. Only module
constants are formatted into one another; values travel as parameters (order.market_params).
"""

# The applications a question counts, each with its tier; {tier} is how the tier is read (below) and
# {scope} which of the market's active applications count: WAITING_SQL or ELIGIBLE_SQL (R-S-6), each
# possibly narrowed further. It is a placeholder of its own, not a narrowing of waiting, because the
# eligible scope's referral check (any referral of the child) covers the waiting one's (a referral of
# the application: a referral's child is its application's child), and one anti join is cheaper than
# two; and because a text formatted the old way (eligible=...) now fails instead of counting children
# who hold a referral.
BASE_TEMPLATE = """
    SELECT a.id, a.filed_at,
        {tier} AS tier
    FROM placement_application a
    WHERE a.city_id = %(city)s AND a.cohort = %(cohort)s AND a.language = %(language)s
      AND a.group_type = %(group_type)s AND a.filed_at <= %(at)s
      AND (a.state = 'active' OR a.closed_at > %(at)s)
      {scope}
"""
# No referral active as of `at` (issued by then, not closed by then) is held by the application's {own}
# column, looked up as the referral's {key}. "issued_at <= at AND (closed_at IS NULL OR closed_at > at)"
# is written as its two disjuncts, still open or closed only after `at`, so that PostgreSQL reads each
# from a small index alone (referral_open_idx: the few open referrals; referral_closed_idx: a range of
# closing times, empty for the present) instead of every referral ever issued (docs/performance.md).
_WITHOUT_ACTIVE_REFERRAL = """AND NOT EXISTS (SELECT 1 FROM (
          SELECT r.{key} AS holder FROM placement_referral r WHERE r.closed_at IS NULL AND r.issued_at <= %(at)s
          UNION ALL
          SELECT r.{key} FROM placement_referral r WHERE r.closed_at > %(at)s AND r.issued_at <= %(at)s
      ) AS active WHERE active.holder = a.{own})"""
# Waiting: every active application without an active referral of its own (what a parent's position counts).
WAITING_SQL = f"""
      {_WITHOUT_ACTIVE_REFERRAL.format(key="application_id", own="id")}
"""
# A privilege counts as of `at`: claimed by then, not refused or revoked by then, not expired, and its
# category not deactivated by then (c is the category, joined wherever this is used).
PRIVILEGE_IN_FORCE = """p.claimed_at <= %(at)s
                           AND (p.state IN ('pending', 'confirmed') OR p.decided_at > %(at)s)
                           AND (p.expires_on IS NULL OR p.expires_on >= %(today)s)
                           AND (c.deactivated_at IS NULL OR c.deactivated_at > %(at)s)"""
_TIER_BY_EXISTS = f"""CASE
            WHEN EXISTS (SELECT 1 FROM placement_privilege p
                         JOIN placement_privilegecategory c ON c.id = p.category_id
                         WHERE p.application_id = a.id AND {PRIVILEGE_IN_FORCE}
                           AND c.tier = 'extraordinary') THEN 0
            WHEN EXISTS (SELECT 1 FROM placement_privilege p
                         JOIN placement_privilegecategory c ON c.id = p.category_id
                         WHERE p.application_id = a.id AND {PRIVILEGE_IN_FORCE}
                           AND c.tier = 'first') THEN 1
            ELSE 2
        END"""  # noqa: S608 - module constants only, no input
# The reference for every ranking: the applications of a market ({scope} still open).
BASE_SQL = BASE_TEMPLATE.format(tier=_TIER_BY_EXISTS, scope="{scope}")

# R-Q-2: the k-th first-priority applicant lands in cycle (k-1) div p at slot (k-1) mod p, the k-th
# general one in cycle (k-1) div g at slot p + (k-1) mod g, so when one list runs out the other
# simply continues.
_QUEUE_TEMPLATE = """
WITH base AS ({base}),
ranked AS (
    SELECT id, filed_at, tier, ROW_NUMBER() OVER (PARTITION BY tier ORDER BY filed_at, id) AS k FROM base
),
keyed AS (
    SELECT id, filed_at, tier,
        CASE WHEN tier = 0 THEN 0 ELSE 1 END AS band,
        CASE WHEN tier = 1 THEN (k - 1) / %(privileged)s WHEN tier = 2 THEN (k - 1) / %(general)s ELSE 0 END AS cycle,
        CASE WHEN tier = 1 THEN (k - 1) %% %(privileged)s
             WHEN tier = 2 THEN %(privileged)s + (k - 1) %% %(general)s ELSE 0 END AS slot
    FROM ranked
),
ordered AS (
    SELECT id, tier, ROW_NUMBER() OVER (ORDER BY band, cycle, slot, filed_at, id) AS position FROM keyed
)
SELECT id, tier, position FROM ordered {where} ORDER BY position
"""
QUEUE_SQL = _QUEUE_TEMPLATE.format(base=BASE_SQL, where="{where}")

# R-S-6, the children who may be claimed for, the waiting ones narrowed: not stop-listed, without an
# active referral (in any city: R-S-7 allows one per child; this is what makes them waiting too, see
# BASE_TEMPLATE), and not represented by blocked accounts only. A child with a verified link from a
# blocked account and none from an unblocked one is out.
# The last is written from the (few) active blocks outwards: the equivalent "no verified link OR an
# unblocked one" made PostgreSQL hash every link of every city on each turn check (docs/performance.md).
# Whoever claims must also be a verified, unblocked representative (eligibility.claimant_check): a
# child none can act for yet keeps its place, as it does in the waiting queue.
ELIGIBLE_SQL = f"""
      AND (a.stop_listed_until IS NULL OR a.stop_listed_until <= %(at)s)
      {_WITHOUT_ACTIVE_REFERRAL.format(key="child_id", own="child_id")}
      AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b
                      JOIN accounts_representativelink l ON l.user_id = b.user_id AND l.state = 'verified'
                      WHERE l.child_id = a.child_id AND b.lifted_at IS NULL
                        AND b.starts_at <= %(at)s AND b.ends_at > %(at)s
                        AND NOT EXISTS (SELECT 1 FROM accounts_representativelink l2
                                        WHERE l2.child_id = l.child_id AND l2.state = 'verified'
                                          AND NOT EXISTS (SELECT 1 FROM accounts_accountblock b2
                                                          WHERE b2.user_id = l2.user_id AND b2.lifted_at IS NULL
                                                            AND b2.starts_at <= %(at)s AND b2.ends_at > %(at)s)))
"""  # noqa: S608 - module constants only, no input

# Fast answers for one child (order.queue_rank). The same base with each privilege test written as an
# uncorrelated IN (the same condition as its EXISTS): PostgreSQL hashes the privileges once instead of
# probing them twice per application.
_PRIVILEGED = """SELECT p.application_id FROM placement_privilege p
                   JOIN placement_privilegecategory c ON c.id = p.category_id
                   WHERE {in_force} AND c.tier = '{tier}'"""
_TIER_BY_IN = """CASE WHEN a.id IN ({extraordinary}) THEN 0
             WHEN a.id IN ({first}) THEN 1
             ELSE 2
        END""".format(
    extraordinary=_PRIVILEGED.format(in_force=PRIVILEGE_IN_FORCE, tier="extraordinary"),
    first=_PRIVILEGED.format(in_force=PRIVILEGE_IN_FORCE, tier="first"),
)
HASHED_BASE_SQL = BASE_TEMPLATE.format(tier=_TIER_BY_IN, scope="{scope}")

# Per tier: how many the question counts, how many of them come before the child (filing time, then
# id), and whether the child is one of them. One pass over the market, no sort, no window. The child's
# filing time is read from its row: SQLite compares timestamps as text, in the format it stored.
_COUNTS_TEMPLATE = """
SELECT tier, count(*), count(*) FILTER (WHERE (filed_at, id) < ((SELECT filed_at FROM placement_application
                                                                 WHERE id = %(id)s), %(id)s)),
       max(CASE WHEN id = %(id)s THEN 1 ELSE 0 END)
FROM ({base}) AS base
GROUP BY tier
"""
COUNTS_SQL = _COUNTS_TEMPLATE.format(base=HASHED_BASE_SQL)

# R-S-6: the market's seats in priority access as of %(at)s. A seat claimed after `at` was still open
# then, just as its child was still waiting: counting it as taken while the ranking still counts the
# child put the last children in turn one place outside it.
PRIORITY_SEATS_SQL = """
SELECT count(*) FROM vacancies_seat s
JOIN vacancies_group g ON g.id = s.group_id
JOIN vacancies_kindergarten k ON k.id = g.kindergarten_id
WHERE k.city_id = %(city)s AND g.cohort = %(cohort)s AND g.language = %(language)s
  AND g.group_type = %(group_type)s AND s.priority_from <= %(at)s AND s.general_from > %(at)s
  AND (s.state = 'open' OR (s.state = 'claimed' AND s.claimed_at > %(at)s))
"""
# The seats (as tier -1) and the rank's counts in one statement, so both are read from one snapshot
# of the database: as two statements, a claim committing between them counted its seat as open and
# its child as gone, and let the child just outside the turn in (issue 14, item 13).
TURN_SQL = f"""
SELECT -1, ({PRIORITY_SEATS_SQL}), 0, 0
UNION ALL
{_COUNTS_TEMPLATE.format(base=HASHED_BASE_SQL.format(scope=ELIGIBLE_SQL))}
"""  # noqa: S608 - module constants only, no input
