{#
    The id of a session or an activity (doc block session): the hash of its user and its
    start, `user_key|start` with the start as macro timestamp_text writes it, the same
    on every engine. `started_at` is session_started_at or activity_started_at. Computed
    where a reader needs it (the view int_requests_sessionized, once per group in
    fct_sessions and fct_activities, once per lesson view in fct_lesson_views), not
    stored with every sessionized request.
#}
{% macro sessionized_id(started_at, user_key='user_key') -%}
    {{ dbt.hash(dbt.concat([user_key, "'|'", timestamp_text(started_at)])) }}
{%- endmacro %}
