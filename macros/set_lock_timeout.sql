{#
    Pre-hook of every model and seed: wait at most `build_lock_timeout` for a lock, so a
    reader holding a transaction open on a mart makes the rebuild fail clearly
    ("canceling statement due to lock timeout") instead of blocking it for ever.
#}
{% macro set_lock_timeout() %}
    {{ return(adapter.dispatch('set_lock_timeout', 'access_analytics')()) }}
{% endmacro %}

{% macro default__set_lock_timeout() %}
    {# Engines without table locks that readers hold: nothing to set. #}
{% endmacro %}

{% macro postgres__set_lock_timeout() %}
    set lock_timeout = '{{ var("build_lock_timeout") }}'
{% endmacro %}
