{# Both kinds of logs as one request stream with the columns they share. #}
with

curriculum_requests as (
    select * from {{ ref('stg_curriculum__requests') }}
),

web_requests as (
    select * from {{ ref('stg_web__requests') }}
),

unioned as (
    select
        request_id,
        'curriculum' as log_kind,
        source_file,
        line_number,
        requested_at,
        user_id,
        cohort_id,
        ip,
        ip_version,
        is_valid_ip,
        user_agent,
        path,
        module,
        lesson,
        path_depth,
        file_extension,
        is_asset,
        is_home,
        cast(null as {{ dbt.type_string() }}) as method,
        cast(null as {{ dbt.type_int() }}) as status,
        cast(null as {{ dbt.type_boolean() }}) as is_error,
        loaded_at
    from curriculum_requests

    union all

    select
        request_id,
        'web' as log_kind,
        source_file,
        line_number,
        requested_at,
        cast(null as {{ dbt.type_bigint() }}) as user_id,
        cast(null as {{ dbt.type_bigint() }}) as cohort_id,
        ip,
        ip_version,
        is_valid_ip,
        user_agent,
        path,
        module,
        lesson,
        path_depth,
        file_extension,
        is_asset,
        is_home,
        method,
        status,
        is_error,
        loaded_at
    from web_requests
)

select * from unioned
