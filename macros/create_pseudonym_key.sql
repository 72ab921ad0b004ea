{#
    The secret of the pseudonyms: a random 256-bit key made once per database (so
    pseudonyms are stable across builds and differ between warehouses), stored as the
    two HMAC-SHA-256 pads (key XOR 0x36.., key XOR 0x5c..) in `private.pseudonym_key`,
    a table only its owner reads: no role but the owner has any privilege on the
    `private` schema. It never leaves the database. Called from `on-run-start`.
#}
{% macro create_pseudonym_key() %}
    {{ return(adapter.dispatch('create_pseudonym_key', 'access_analytics')()) }}
{% endmacro %}

{% macro default__create_pseudonym_key() %}
    {{ exceptions.raise_compiler_error(
        'pseudonymised marts are implemented for PostgreSQL only (create_pseudonym_key)'
    ) }}
{% endmacro %}

{% macro postgres__create_pseudonym_key() %}
    create schema if not exists private;
    revoke all on schema private from public;
    create table if not exists private.pseudonym_key (
        -- At most one row: the key of this database.
        is_current boolean primary key default true check (is_current),
        inner_pad bytea not null,
        outer_pad bytea not null,
        created_at timestamptz not null default now()
    );
    revoke all on private.pseudonym_key from public;
    -- gen_random_uuid() draws from the server's strong random source (122 random bits
    -- each; two make the key), zero-padded to SHA-256's 64-byte block as HMAC does.
    insert into private.pseudonym_key (inner_pad, outer_pad)
    select
        (
            select decode(string_agg(
                lpad(to_hex(get_byte(random_key.padded, position) # 54), 2, '0'), ''
                order by position
            ), 'hex')
            from generate_series(0, 63) as position
        ),
        (
            select decode(string_agg(
                lpad(to_hex(get_byte(random_key.padded, position) # 92), 2, '0'), ''
                order by position
            ), 'hex')
            from generate_series(0, 63) as position
        )
    from (
        select decode(
            replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')
            || repeat('00', 32),
            'hex'
        ) as padded
    ) as random_key
    on conflict (is_current) do nothing
{% endmacro %}

{#- Spark: no pseudonymised layer (create_pseudonymised_views makes none); readers are
    given access to the marts through the catalog's own permissions. -#}
{% macro spark__create_pseudonym_key() %}
    select 1 as pseudonymised_layer_not_built
{% endmacro %}
