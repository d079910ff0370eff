"""The committed AsyncAPI document matches the contracts and bindings in the code."""

import pytest

from tools.asyncapi import DOCUMENT, build_document

pytestmark = pytest.mark.unit


def test_asyncapi_document_is_up_to_date():
    assert DOCUMENT.exists(), "run `make asyncapi`"
    assert DOCUMENT.read_text(encoding="utf-8") == build_document(), (
        "docs/asyncapi.yaml is stale: run `make asyncapi`"
    )


def test_document_names_every_event_and_service_queue():
    document = build_document()
    for routing_key in (
        "registration.teacher_registered.v1",
        "matching.hub_formed.v1",
        "grants.grant_submitted.v1",
    ):
        assert routing_key in document
    assert "mentorweb.matching" in document and "mentorweb.notifications" in document


def test_kubernetes_event_bindings_are_up_to_date():
    from tools.asyncapi import BINDINGS, build_bindings

    assert BINDINGS.read_text(encoding="utf-8") == build_bindings(), "run `make asyncapi`"
