"""Email addresses as SMTP carries them (RFC 5321, RFC 6531): an internationalised domain travels
as its ASCII form (IDNA A-labels) through any server; a non-ASCII local part (``gaëlle@…``) needs a
server that offers SMTPUTF8."""

from __future__ import annotations


class UndeliverableAddress(ValueError):
    """The address cannot be written for SMTP at all (e.g. a domain that is not a valid IDN)."""


def smtp_address(address: str) -> tuple[str, bool]:
    """``(address for the SMTP envelope and the To header, needs SMTPUTF8)``."""
    local, at, domain = address.strip().rpartition("@")
    if not at or not local or not domain:
        raise UndeliverableAddress("not an email address")
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise UndeliverableAddress("the domain is not a valid internationalised domain name") from exc
    return f"{local}@{domain}", not local.isascii()


def needs_smtputf8(address: str) -> bool:
    """Only a server offering SMTPUTF8 can deliver to this address."""
    try:
        return smtp_address(address)[1]
    except UndeliverableAddress:
        return False
