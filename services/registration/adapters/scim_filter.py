"""SCIM filters (RFC 7644 §3.4.2.2) and ``sortBy`` as SQL on ``participants``, through
``scim2-filter-parser``: the library parses the whole grammar (``and or not``, grouping, every
operator, ``emails[type eq "work"].value``) and writes the WHERE clause; this module only says which
SQL expression each attribute is and how its values compare.
"""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa
from scim2_filter_parser.lexer import SCIMLexer
from scim2_filter_parser.parser import SCIMParser, SCIMParserError
from scim2_filter_parser.transpilers.sql import Transpiler
from scim2_models import EnterpriseUser, InvalidFilterException, User

from services.registration.domain.scim import MENTORWEB

Kind = Literal["text", "exact", "bool", "time"]
CORE = str(User.__schema__).lower()
ENTERPRISE = str(EnterpriseUser.__schema__).lower()


def _kept(*path: str) -> str:
    return "participants.scim_resource" + "".join(f"->'{p}'" for p in path[:-1]) + f"->>'{path[-1]}'"


def _time(column: str) -> str:
    # ISO 8601 in UTC compares as text, so "meta.lastModified gt ..." needs no cast of the value.
    return f"""to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')"""


_EMAIL_TYPE = (
    "COALESCE((SELECT e->>'type' FROM jsonb_array_elements(participants.scim_resource->'emails') e"
    " WHERE lower(e->>'value') = lower(participants.email) LIMIT 1), 'work')"
)
_ENTERPRISE_KEY = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

# (schema, attribute, sub-attribute), lower-cased → (SQL expression, how values compare).
# Only the participant's own email is searchable: it is the one Mentorweb writes to. Text that
# SCIM compares ignoring case is upper-cased on both sides (the library adds UPPER() for userName).
ATTRIBUTES: dict[tuple[str, str, str | None], tuple[str, Kind]] = {
    (CORE, "id", None): ("CAST(participants.id AS TEXT)", "exact"),
    (CORE, "externalid", None): ("participants.external_id", "exact"),
    (CORE, "username", None): (f"upper(COALESCE({_kept('userName')}, participants.hr_id))", "text"),
    (CORE, "displayname", None): (
        "upper(participants.given_name || ' ' || participants.family_name)",
        "text",
    ),
    (CORE, "name", "givenname"): ("upper(participants.given_name)", "text"),
    (CORE, "name", "familyname"): ("upper(participants.family_name)", "text"),
    (CORE, "emails", None): ("upper(participants.email)", "text"),
    (CORE, "emails", "value"): ("upper(participants.email)", "text"),
    (CORE, "emails", "type"): (f"upper({_EMAIL_TYPE})", "text"),
    (CORE, "active", None): ("(participants.status <> 'withdrawn')", "bool"),
    (CORE, "title", None): (f"upper({_kept('title')})", "text"),
    (CORE, "preferredlanguage", None): ("upper(participants.language)", "text"),
    (CORE, "meta", "created"): (_time("participants.created_at"), "time"),
    (CORE, "meta", "lastmodified"): (_time("participants.updated_at"), "time"),
    (ENTERPRISE, "employeenumber", None): (
        f"COALESCE({_kept(_ENTERPRISE_KEY, 'employeeNumber')}, participants.hr_id)",
        "exact",
    ),
    (ENTERPRISE, "organization", None): ("upper(participants.board)", "text"),
    (MENTORWEB.lower(), "role", None): ("participants.role", "exact"),
    (MENTORWEB.lower(), "programyear", None): ("participants.program_year", "exact"),
    (MENTORWEB.lower(), "status", None): ("participants.status", "exact"),
}
_SCHEMAS = (CORE, ENTERPRISE, MENTORWEB.lower())


def _lookup(attr_name: str, sub_attr: str | None, uri: str | None, text: str) -> tuple[str, Kind]:
    schemas = [uri.lower().rstrip(":")] if uri else list(_SCHEMAS)
    for schema in schemas:
        found = ATTRIBUTES.get((schema, attr_name.lower(), sub_attr.lower() if sub_attr else None))
        if found:
            return found
    name = ".".join(p for p in (attr_name, sub_attr) if p)
    raise InvalidFilterException(detail=f"{text}: filtering or sorting on {name!r} is not supported")


class _ParticipantTranspiler(Transpiler):
    """The library's transpiler, told the type of each attribute so values bind as PostgreSQL wants."""

    def __init__(self, text: str):
        super().__init__(attr_map={})
        self.text = text

    def visit_AttrPath(self, node: Any) -> str:
        super().visit_AttrPath(node)  # records the path
        sub = node.sub_attr.value if node.sub_attr else None
        return _lookup(node.attr_name, sub, node.uri, self.text)[0]

    def visit_AttrExprValue(self, node: Any) -> str:
        path = self.attr_paths[-1]
        kind = _lookup(path.attr_name, path.sub_attr, path.uri, self.text)[1]
        op = node.value.lower()
        if op == "pr":
            return "IS NOT NULL"
        raw = node.comp_value.value if node.comp_value else None
        if raw == "null" or raw is None:
            if op not in ("eq", "ne"):
                raise InvalidFilterException(detail=f"{self.text}: null can only be compared with eq or ne")
            return "IS NULL" if op == "eq" else "IS NOT NULL"
        if kind == "bool":
            if op not in ("eq", "ne") or raw not in ("true", "false"):
                raise InvalidFilterException(
                    detail=f"{self.text}: {path.attr_name} is true or false (eq, ne)"
                )
            value: Any = raw == "true"
        elif kind == "text":
            value = str(raw).upper()
        else:
            value = str(raw)
        key = self.get_next_id()
        if op in self.matching_op_by_scim_op:
            prefix, suffix = self.lookup_like_matching(op)
            escaped = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            self.params[key] = f"{prefix}{escaped}{suffix}"
            return f"LIKE :{key} ESCAPE '\\'"
        self.params[key] = value
        return f"{self.lookup_op(op)} :{key}"


def where(text: str) -> sa.TextClause:
    """The SQL condition for a SCIM filter; anything unreadable or unsupported is invalidFilter."""
    if not text.strip():
        raise InvalidFilterException(detail="The filter is empty.")
    try:
        tree = SCIMParser().parse(SCIMLexer().tokenize(text))
        if tree is None:
            raise SCIMParserError("nothing to parse")
        transpiler = _ParticipantTranspiler(text)
        sql, params = transpiler.transpile(tree)
    except InvalidFilterException:
        raise
    except (SCIMParserError, IndexError, ValueError, AttributeError, NotImplementedError) as exc:
        raise InvalidFilterException(detail=f"Unreadable filter {text!r}: {exc}") from None
    # Values are bound parameters (":a", ":b" ...), never inlined.
    return sa.text(f"({sql})").bindparams(**params)


def order_by(sort_by: str) -> sa.TextClause:
    """The SQL expression to sort on for ``sortBy`` (any filterable attribute)."""
    uri = None
    name = sort_by.strip()
    lowered = name.lower()
    for schema in _SCHEMAS:
        if lowered.startswith(schema + ":"):
            uri, name = schema, name[len(schema) + 1 :]
    attr, _, sub = name.partition(".")
    try:
        return sa.text(_lookup(attr, sub or None, uri, f"sortBy={sort_by}")[0])
    except InvalidFilterException as exc:
        # RFC 7644 §3.4.2.3: sortBy names an attribute; an unknown one is invalidValue.
        from scim2_models import InvalidValueException

        raise InvalidValueException(detail=exc.detail) from None
