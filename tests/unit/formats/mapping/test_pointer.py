"""JSON pointers (RFC 6901): parsing, escaping, resolving; target paths."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.formats.mapping.pointer import (
    ABSENT,
    PointerSyntaxError,
    format_pointer,
    parse_pointer,
    parse_target,
    resolve,
    set_at,
)

# RFC 6901 section 5's example document and its pointers
RFC_DOC = {
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
}


@pytest.mark.parametrize(
    ("pointer", "expected"),
    [
        ("", RFC_DOC),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ],
)
def test_the_rfc_examples_resolve(pointer: str, expected: object) -> None:
    assert expected == resolve(RFC_DOC, parse_pointer(pointer))


@pytest.mark.parametrize("pointer", ["foo", "/a~2", "/a~", "~1"])
def test_malformed_pointers_are_refused(pointer: str) -> None:
    with pytest.raises(PointerSyntaxError):
        parse_pointer(pointer)


@pytest.mark.parametrize(
    "pointer", ["/nope", "/foo/2", "/foo/01", "/foo/-", "/foo/0/x", "/foo/bar"]
)
def test_pointers_to_nothing_are_absent_not_errors(pointer: str) -> None:
    assert ABSENT is resolve(RFC_DOC, parse_pointer(pointer))


def test_tilde_one_is_unescaped_before_tilde_zero() -> None:
    assert ("~1",) == parse_pointer("/~01")


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(alphabet=st.sampled_from("ab~/0 1"), max_size=6), max_size=5))
def test_format_and_parse_are_inverse_for_any_tokens(tokens: list[str]) -> None:
    pointer = format_pointer(tokens)

    assert tuple(tokens) == parse_pointer(pointer)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.dictionaries(
        st.text(alphabet=st.sampled_from("x~/y"), min_size=1, max_size=4), st.integers(), min_size=1
    )
)
def test_every_key_is_reachable_by_its_escaped_pointer(doc: dict[str, int]) -> None:
    for key, value in doc.items():
        assert value == resolve(doc, parse_pointer(format_pointer([key])))


def test_targets_may_be_dotted_or_pointers() -> None:
    assert ("a", "b") == parse_target("a.b")
    assert ("identifikation.nachricht", "x/y") == parse_target("/identifikation.nachricht/x~1y")


@pytest.mark.parametrize("target", ["", "a..b", ".a", "/a//b"])
def test_targets_with_empty_parts_are_refused(target: str) -> None:
    with pytest.raises(PointerSyntaxError):
        parse_target(target)


def test_set_at_builds_nested_objects_and_refuses_to_nest_in_a_value() -> None:
    doc: dict[str, object] = {}
    set_at(doc, ("a", "b"), 1)
    set_at(doc, ("a", "c"), 2)

    assert {"a": {"b": 1, "c": 2}} == doc
    with pytest.raises(PointerSyntaxError):
        set_at(doc, ("a", "b", "c"), 3)
