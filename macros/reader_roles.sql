{#
    The read-only roles, as {audience: role name}: `analytics` (var `reader_role`,
    default analytics_reader) is for dashboards and sees the pseudonymised marts;
    `security` (var `security_role`, default security_analyst) sees the security marts
    with raw IPs. A role set to null is not created and gets no grants. Set them with
    `--vars`, not in dbt_project.yml (dbt renders the project's grants before it reads
    the project's vars).
#}
{% macro reader_roles() %}
    {%- set roles = {} -%}
    {%- for audience, role in [
        ('analytics', var('reader_role', 'analytics_reader')),
        ('security', var('security_role', 'security_analyst')),
    ] if role -%}
        {%- do roles.update({audience: role}) -%}
    {%- endfor -%}
    {{ return(roles) }}
{% endmacro %}
