-- +goose Up
-- The directory (SPEC §2, seed 002's related articles): departments (a
-- tree), groups (with an optional mail alias), positions, custom member
-- fields and priority-ordered assignment rules. Names are unique in a
-- tenant, so a CSV names them. The members' free-text department and
-- position become objects of their own.
CREATE TABLE departments (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    parent_id  TEXT REFERENCES departments (id),
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX departments_parent ON departments (parent_id);

CREATE TABLE positions (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

-- A group's alias is alias_local@<the domain alias_domain_id names>.
CREATE TABLE directory_groups (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants (id),
    name            TEXT NOT NULL,
    alias_local     TEXT,
    alias_domain_id TEXT REFERENCES domains (id),
    created_at      TEXT NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (alias_domain_id, alias_local),
    CHECK ((alias_local IS NULL) = (alias_domain_id IS NULL))
);
CREATE INDEX directory_groups_domain ON directory_groups (alias_domain_id) WHERE alias_domain_id IS NOT NULL;

CREATE TABLE group_members (
    tenant_id TEXT NOT NULL,
    group_id  TEXT NOT NULL REFERENCES directory_groups (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members (member_id);

-- kind: text, number, date or choice; choices one per line.
CREATE TABLE member_fields (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'choice')),
    required   BOOLEAN NOT NULL,
    choices    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE member_field_values (
    tenant_id TEXT NOT NULL,
    member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    field_id  TEXT NOT NULL REFERENCES member_fields (id) ON DELETE CASCADE,
    value     TEXT NOT NULL,
    PRIMARY KEY (member_id, field_id)
);
CREATE INDEX member_field_values_field ON member_field_values (field_id, value);

-- A rule matches members by one of department (with its sub-departments
-- when include_sub), position, group or a field's value (match_value), and
-- grants roles (rule_roles) and features (space-separated). Priorities
-- run 1…n in a tenant; a member holds the one rule that grants it
-- (members.rule_id), the matching rule of the highest priority.
CREATE TABLE assignment_rules (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    priority    INTEGER NOT NULL,
    match_kind  TEXT NOT NULL CHECK (match_kind IN ('department', 'position', 'group', 'field')),
    match_id    TEXT NOT NULL,
    include_sub BOOLEAN NOT NULL DEFAULT FALSE,
    match_value TEXT NOT NULL DEFAULT '',
    features    TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX assignment_rules_tenant ON assignment_rules (tenant_id, priority);

CREATE TABLE rule_roles (
    tenant_id TEXT NOT NULL,
    rule_id   TEXT NOT NULL REFERENCES assignment_rules (id) ON DELETE CASCADE,
    role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (rule_id, role_id)
);
CREATE INDEX rule_roles_role ON rule_roles (role_id);

-- Whether a re-evaluation deactivates a member it leaves without the rule
-- that had granted it (the seed's behaviour).
ALTER TABLE tenants ADD COLUMN deactivate_unmatched BOOLEAN NOT NULL DEFAULT FALSE;

ALTER TABLE members ADD COLUMN department_id TEXT REFERENCES departments (id);
ALTER TABLE members ADD COLUMN position_id TEXT REFERENCES positions (id);
ALTER TABLE members ADD COLUMN rule_id TEXT REFERENCES assignment_rules (id);
CREATE INDEX members_department ON members (department_id) WHERE department_id IS NOT NULL;
CREATE INDEX members_position ON members (position_id) WHERE position_id IS NOT NULL;
CREATE INDEX members_rule ON members (rule_id) WHERE rule_id IS NOT NULL;

INSERT INTO departments (id, tenant_id, name, created_at)
SELECT 'dep_' || lower(hex(randomblob(10))), tenant_id, department, MIN(created_at)
FROM members WHERE department <> '' GROUP BY tenant_id, department;
INSERT INTO positions (id, tenant_id, name, created_at)
SELECT 'pos_' || lower(hex(randomblob(10))), tenant_id, position, MIN(created_at)
FROM members WHERE position <> '' GROUP BY tenant_id, position;
UPDATE members SET
    department_id = (SELECT id FROM departments d WHERE d.tenant_id = members.tenant_id AND d.name = members.department),
    position_id = (SELECT id FROM positions p WHERE p.tenant_id = members.tenant_id AND p.name = members.position);
ALTER TABLE members DROP COLUMN department;
ALTER TABLE members DROP COLUMN position;
