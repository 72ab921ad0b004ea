{#
    Per user of `points` (a CTE or relation with `user_key` and `point_column`): the
    largest `value_column` of the user's rows in `sessionized` (the sessionization's
    table) that are in the sessions and dated before the point (at or before it when
    `inclusive`). The incremental sessions read the sessions as they were with it: the
    scope, the start of the visit holding a user's earliest new request; the
    sessionization, the last request before the recomputed part.
#}
{% macro latest_sessionized_before(
    points, point_column, value_column, sessionized, inclusive=false
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
