{#
    The comment dbt puts before every query it sends (dbt_project.yml `query-comment`):
    dbt's default fields plus the run's `invocation_id`, by which claim_build_lock and
    the loaders see in pg_stat_activity whether the run holding the warehouse is alive.
#}
{% macro query_comment(node) -%}
    {%- set comment = {
        'app': 'dbt',
        'dbt_version': dbt_version,
        'profile_name': target.get('profile_name'),
        'target_name': target.get('target_name'),
        'invocation_id': invocation_id,
    } -%}
    {%- if node is not none -%}
        {%- do comment.update({'node_id': node.unique_id}) -%}
    {%- endif -%}
    {{- return(tojson(comment)) -}}
{%- endmacro %}
