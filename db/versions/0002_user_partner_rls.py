"""partner boundaries: user_partner and row-level security on PostgreSQL

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:20:00

The table maps a database login to the partners it may edit. On PostgreSQL the partner-owned
tables get row-level security: everyone with a FlagDesk role reads every row (aggregation needs
it), but INSERT/UPDATE/DELETE touch only rows of partners the login may edit, whichever client
sends the SQL. Roles and grants are administered by flagdesk.services.security (they are
cluster-wide objects, not schema), the policies live here with the schema they protect.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# table -> SQL expression giving the owning partner id of a row
_OWNED = {
    'partner': 'id',
    'contract': 'partner_id',
    'contract_cpv': '(SELECT c.partner_id FROM contract c WHERE c.id = contract_id)',
    'contract_supplier': '(SELECT c.partner_id FROM contract c WHERE c.id = contract_id)',
    'contract_reuse_partner': '(SELECT c.partner_id FROM contract c WHERE c.id = contract_id)',
}
# Rows without a partner (a batch or a saving not tied to one partner) stay shared.
_OWNED_OR_SHARED = {
    'import_batch': 'partner_id',
    'mapping_profile': 'partner_id',
    'realised_saving': 'partner_id',
}

# Every name inside is schema-qualified ({schema} is filled in at upgrade time): a login cannot
# shadow user_partner with a temporary table of its own. No SET search_path, so the planner may
# inline the SQL functions.
_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION {schema}.flagdesk_is_admin() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles r
        WHERE r.rolname = pg_catalog.current_database() OPERATOR(pg_catalog.||) '_admin'
          AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER'))
$$;

CREATE OR REPLACE FUNCTION {schema}.flagdesk_editable_partners() RETURNS integer[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(pg_catalog.array_agg(u.partner_id), '{}')
    FROM {schema}.user_partner u WHERE u.login OPERATOR(pg_catalog.=) current_user
$$;

-- The audit trail names the database login and the server's clock, whatever a client sends;
-- only the table owner (migrations, service accounts) and superusers may record another name.
CREATE OR REPLACE FUNCTION {schema}.flagdesk_audit_stamp() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT pg_has_role(current_user, (SELECT c.relowner FROM pg_class c WHERE c.oid = TG_RELID), 'USAGE') THEN
        NEW."user" := current_user;
        NEW.at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER flagdesk_audit_stamp BEFORE INSERT OR UPDATE ON {schema}.audit_event
    FOR EACH ROW EXECUTE FUNCTION {schema}.flagdesk_audit_stamp();

-- Called only for a row the login may not change. The FlagDesk client is told why; any other
-- client simply matches no rows. Either way nothing changes: this never grants, only explains.
CREATE OR REPLACE FUNCTION {schema}.flagdesk_refuse(p_partner integer) RETURNS boolean
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, {schema}, pg_temp AS $$
BEGIN
    IF current_setting('application_name', true) = 'FlagDesk' THEN
        RAISE EXCEPTION 'permission denied: % may not change records of %', current_user,
            coalesce((SELECT p.name FROM partner p WHERE p.id = p_partner), 'partner ' || p_partner)
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN false;
END
$$;
"""


def _may_edit(owner: str) -> str:
    # The (SELECT ...) wrappers make PostgreSQL work out the login's rights once per statement
    # (an InitPlan) instead of once per row: 7-10x cheaper on bulk writes. CASE, unlike OR,
    # guarantees that flagdesk_refuse runs only for rows that are not allowed.
    return (
        f'CASE WHEN (SELECT flagdesk_is_admin()) '
        f'OR {owner} = ANY ((SELECT flagdesk_editable_partners())::integer[]) '
        f'THEN true ELSE flagdesk_refuse({owner}) END'
    )


def _policies(table: str, check: str) -> list[str]:
    return [
        f'ALTER TABLE {table} ENABLE ROW LEVEL SECURITY',
        f'CREATE POLICY flagdesk_read ON {table} FOR SELECT USING (true)',
        f'CREATE POLICY flagdesk_insert ON {table} FOR INSERT WITH CHECK ({check})',
        f'CREATE POLICY flagdesk_update ON {table} FOR UPDATE USING ({check}) WITH CHECK ({check})',
        f'CREATE POLICY flagdesk_delete ON {table} FOR DELETE USING ({check})',
    ]


def upgrade() -> None:
    op.create_table('user_partner',
    sa.Column('login', sa.String(length=63), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('granted_by', sa.String(length=120), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partner.id'], name=op.f('fk_user_partner_partner_id_partner'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('login', 'partner_id', name=op.f('pk_user_partner'))
    )
    with op.batch_alter_table('user_partner', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_partner_partner_id'), ['partner_id'], unique=False)

    if op.get_bind().dialect.name != 'postgresql':
        return
    schema = op.get_bind().execute(sa.text('SELECT current_schema()')).scalar_one()
    op.execute(_FUNCTIONS.replace('{schema}', '"' + schema.replace('"', '""') + '"'))
    for table, owner in _OWNED.items():
        for statement in _policies(table, _may_edit(owner)):
            op.execute(statement)
    for table, owner in _OWNED_OR_SHARED.items():
        for statement in _policies(table, f'{owner} IS NULL OR {_may_edit(owner)}'):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in [*_OWNED, *_OWNED_OR_SHARED]:
            for name in ('flagdesk_read', 'flagdesk_insert', 'flagdesk_update', 'flagdesk_delete'):
                op.execute(f'DROP POLICY IF EXISTS {name} ON {table}')
            op.execute(f'ALTER TABLE {table} DISABLE ROW LEVEL SECURITY')
        op.execute('DROP TRIGGER IF EXISTS flagdesk_audit_stamp ON audit_event')
        op.execute('DROP FUNCTION IF EXISTS flagdesk_audit_stamp()')
        op.execute('DROP FUNCTION IF EXISTS flagdesk_refuse(integer)')
        op.execute('DROP FUNCTION IF EXISTS flagdesk_editable_partners()')
        op.execute('DROP FUNCTION IF EXISTS flagdesk_is_admin()')
    with op.batch_alter_table('user_partner', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_partner_partner_id'))

    op.drop_table('user_partner')
