"""The curriculum marts of questions 1, 2 and 7 on the demo warehouse (conftest.py).

The demo generator plants one cohort that reads one lesson far more than the other
cohorts of its program (`overused_lesson`), and a decoy cohort that is more active
overall with ordinary lesson shares (`more_active_cohort`): the first must be the
strongest outlier, the second no outlier at all.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from access_analytics import warehouse

Demo = tuple[warehouse.Settings, dict[str, Any]]


def rows(demo: Demo, query: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
    """All rows of a query on the demo warehouse."""
    with warehouse.connect(demo[0]) as connection, connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


@pytest.fixture(scope="module")
def demo(demo_warehouse: Demo) -> Demo:
    """The built demo warehouse and its ground truth."""
    return demo_warehouse


def test_planted_lesson_is_the_strongest_outlier(demo: Demo) -> None:
    truth = demo[1]["overused_lesson"]
    flagged = rows(
        demo,
        """
        select program_id, cohort_id, path, share_ratio, robust_score
        from marts.lesson_cohort_outliers
        where is_outlier
        order by robust_score desc, lesson_cohort_id
    """,
    )
    program_id, cohort_id, path, ratio, score = flagged[0]
    assert (program_id, cohort_id, path) == (truth["program_id"], truth["cohort_id"], truth["path"])
    # The generator measures the factor against slightly different peers (cohorts with
    # at least 50 requests, all paths): the mart's ratio must agree within 25%.
    assert abs(ratio / truth["factor"] - 1) < 0.25
    if len(flagged) > 1:
        assert score > 2 * flagged[1][4]  # far ahead of the next flagged pair


def test_more_active_cohort_is_not_an_outlier(demo: Demo) -> None:
    decoy = demo[1]["more_active_cohort"]["cohort_id"]
    planted = demo[1]["overused_lesson"]
    # The decoy really is busier than the typical cohort of its program ...
    [(decoy_requests, typical_requests)] = rows(
        demo,
        """
        with cohorts as (
            select distinct program_id, cohort_id, cohort_requests
            from marts.cohort_lesson_rankings
            where program_id = %s
        )
        select
            max(case when cohort_id = %s then cohort_requests end),
            percentile_cont(0.5) within group (order by cohort_requests)
        from cohorts
    """,
        (planted["program_id"], decoy),
    )
    assert decoy_requests > typical_requests
    # ... but none of its lessons is flagged, and its largest ratio is ordinary.
    [(flagged, max_ratio)] = rows(
        demo,
        """
        select count(*) filter (where is_outlier), max(share_ratio)
        from marts.lesson_cohort_outliers
        where cohort_id = %s
    """,
        (decoy,),
    )
    assert flagged == 0
    assert max_ratio < planted["factor"] / 5


def test_every_program_with_students_in_session_is_ranked(demo: Demo) -> None:
    expected = rows(
        demo,
        """
        select program_id, cohort_id, count(*)
        from intermediate.int_requests_enriched
        where cohort_phase = 'during' and not is_asset and path <> '/'
            and path is not null and program_id is not null
        group by program_id, cohort_id
        order by program_id, cohort_id
    """,
    )
    ranked = rows(
        demo,
        """
        select program_id, cohort_id, max(cohort_requests)
        from marts.cohort_lesson_rankings
        group by program_id, cohort_id
        order by program_id, cohort_id
    """,
    )
    assert ranked == expected
    assert {program for program, _, _ in ranked} == {2, 3}


def test_ranks_and_shares_are_complete_per_cohort(demo: Demo) -> None:
    per_cohort = rows(
        demo,
        """
        select
            cohort_id,
            count(*),
            min(rank_in_cohort),
            max(rank_in_cohort),
            count(distinct rank_in_cohort),
            sum(share_of_cohort),
            sum(requests) - max(cohort_requests),
            count(*) filter (where is_top_n),
            min(case when is_top_n then requests end)
                >= max(case when not is_top_n then requests end)
        from marts.cohort_lesson_rankings
        group by cohort_id
    """,
    )
    assert per_cohort
    for cohort, lessons, first, last, distinct, shares, gap, top, ordered in per_cohort:
        assert (first, last, distinct) == (1, lessons, lessons), cohort
        assert abs(shares - 1) < 1e-9, cohort
        assert gap == 0, cohort
        assert top == min(lessons, 10), cohort
        assert ordered in (True, None), cohort


def test_program_consistency_and_least_accessed_ranks(demo: Demo) -> None:
    per_program = rows(
        demo,
        """
        select
            program_id,
            count(*),
            count(distinct consistency_rank),
            max(consistency_rank),
            sum(top_n_cohorts),
            count(*) filter (where is_program_curriculum),
            count(least_accessed_rank),
            max(least_accessed_rank)
        from marts.program_lesson_consistency
        group by program_id
        order by program_id
    """,
    )
    top_slots = dict(
        rows(
            demo,
            """
        select program_id, sum(case when lessons < 10 then lessons else 10 end)
        from (
            select program_id, cohort_id, count(*) as lessons
            from marts.cohort_lesson_rankings
            group by program_id, cohort_id
        ) as cohorts
        group by program_id
    """,
        )
    )
    assert [program for program, *_ in per_program] == [2, 3]
    for program, lessons, distinct, last, top, own, ranked, last_least in per_program:
        assert (distinct, last) == (lessons, lessons)
        assert top == top_slots[program]
        assert own > 0
        assert (ranked, last_least) == (own, own)
    # The least accessed lesson has no more requests than any other of its curriculum.
    violations = rows(
        demo,
        """
        select first.program_id
        from marts.program_lesson_consistency as first
        inner join marts.program_lesson_consistency as other
            on first.program_id = other.program_id and other.is_program_curriculum
        where first.least_accessed_rank = 1 and other.total_requests < first.total_requests
    """,
    )
    assert violations == []


def test_outliers_compare_every_cohort_with_all_its_compared_peers(demo: Demo) -> None:
    [(pairs, cohort_lessons, bad_peers)] = rows(
        demo,
        """
        with sizes as (
            select rankings.program_id, count(distinct rankings.cohort_id) as cohorts,
                count(distinct rankings.cohort_id) filter (
                    where dim.log_coverage >= 1) as compared,
                count(distinct rankings.path) filter (
                    where rankings.content_curriculum is null
                        or rankings.content_curriculum = rankings.program_curriculum
                ) as lessons
            from marts.cohort_lesson_rankings as rankings
            inner join marts.dim_cohorts as dim on rankings.cohort_id = dim.cohort_id
            group by rankings.program_id
        )
        select
            (select count(*) from marts.lesson_cohort_outliers),
            (select sum(cohorts * lessons) from sizes),
            (select count(*) from marts.lesson_cohort_outliers as outliers
             inner join sizes on outliers.program_id = sizes.program_id
             where outliers.peer_cohorts
                != sizes.compared - case when outliers.log_coverage >= 1 then 1 else 0 end)
    """,
    )
    assert pairs == cohort_lessons
    assert bad_peers == 0


def test_partly_covered_cohorts_are_left_out_with_the_reason(demo: Demo) -> None:
    """The demo log cuts cohorts at both ends: they are left out, and only the planted
    over-use is flagged (the data-science cohorts, 3 peers each, are compared too)."""
    truth = demo[1]["overused_lesson"]
    left_out = rows(
        demo,
        """
        select distinct outliers.cohort_id, outliers.log_coverage_kind, outliers.left_out_reason,
            dim.log_coverage
        from marts.lesson_cohort_outliers as outliers
        inner join marts.dim_cohorts as dim on outliers.cohort_id = dim.cohort_id
        where not outliers.is_compared
        order by outliers.cohort_id
    """,
    )
    partial = rows(
        demo,
        """
        select cohort_id from marts.dim_cohorts
        where log_coverage_kind like 'cut_at_%%'
            and cohort_id in (select cohort_id from marts.cohort_lesson_rankings)
        order by cohort_id
    """,
    )
    assert [cohort for cohort, *_ in left_out] == [cohort for (cohort,) in partial]
    assert {kind for _, kind, _, _ in left_out} >= {"cut_at_start", "cut_at_end"}
    for _, kind, reason, coverage in left_out:
        percent = math.floor(100 * coverage + 0.5)
        assert reason == f"the log covers {percent}% of its session ({kind})"
    flagged = rows(
        demo,
        """
        select program_id, cohort_id, path from marts.lesson_cohort_outliers where is_outlier
    """,
    )
    planted = (truth["program_id"], truth["cohort_id"], truth["path"])
    print(f"question 2: {len(left_out)} cohorts left out, {len(flagged)} pairs flagged")
    assert flagged == [planted]
