{#
    Per user of `points` (a CTE or relation with `user_key` and `point_column`): the
    largest `value_column` of the user's rows in `sessionized` (the sessionization's
    table) that are in the sessions and dated before the point (at or before it when
    `inclusive`). The incremental sessions read the sessions as they were with it: the
    scope, the start of the visit holding a user's earliest new request; the
    sessionization, the last request before the recomputed part. `value_column` grows
    with `requested_at` (a request time, or a running max over the user's requests).
#}
{% macro latest_sessionized_before(
    points, point_column, value_column, sessionized, inclusive=false
) -%}
    {{ return(adapter.dispatch('latest_sessionized_before', 'access_analytics')(
        points, point_column, value_column, sessionized, inclusive
    )) }}
{%- endmacro %}

{% macro default__latest_sessionized_before(
    points, point_column, value_column, sessionized, inclusive
) -%}
    select
        points.user_key,
        max(sessionized.{{ value_column }}) as {{ value_column }}
    from {{ points }} as points
    inner join {{ sessionized }} as sessionized
        on
            points.user_key = sessionized.user_key
            and points.{{ point_column }} {{ '>=' if inclusive else '>' }} sessionized.requested_at
            and sessionized.is_in_sessions
    group by points.user_key
{%- endmacro %}

{#- PostgreSQL: the user's latest such row only, read backwards through the index on
    (user_key, requested_at), instead of every earlier row of the user (seconds at 10M
    requests). As `value_column` grows with `requested_at`, it is the largest. #}
{% macro postgres__latest_sessionized_before(
    points, point_column, value_column, sessionized, inclusive
) -%}
    select
        points.user_key,
        latest.{{ value_column }}
    from {{ points }} as points
    cross join lateral (
        select sessionized.{{ value_column }}
        from {{ sessionized }} as sessionized
        where
            sessionized.user_key = points.user_key
            and sessionized.requested_at {{ '<=' if inclusive else '<' }} points.{{ point_column }}
            and sessionized.is_in_sessions
        order by sessionized.requested_at desc, sessionized.{{ value_column }} desc
        limit 1
    ) as latest
{%- endmacro %}
