{#
    Request counts per source file agree from layer to layer: raw = staging =
    int_requests_unioned. Stale rows (a file replaced by a shorter version: deleted
    lines cannot be noticed incrementally) or duplicated rows in the incremental model
    fail the build, and the build's log says what to run: `dbt build --full-refresh`.
    A layer is compared when its models are part of this invocation (or on `dbt test`),
    so a subset build never compares against a model it did not build.
#}
{%- set checking = invocation_args_dict.get('which') == 'test' -%}
{%- set staging_built = checking
    or 'model.access_analytics.stg_curriculum__requests' in selected_resources
    or 'model.access_analytics.stg_web__requests' in selected_resources -%}
{%- set intermediate_built = checking
    or 'model.access_analytics.int_requests_unioned' in selected_resources %}
{# The models compared, whether or not this invocation compares them: #}
-- depends_on: {{ ref('stg_curriculum__requests') }}
-- depends_on: {{ ref('stg_web__requests') }}
-- depends_on: {{ ref('int_requests_unioned') }}

{{ requests_reconciliation(staging_built, intermediate_built) }}
