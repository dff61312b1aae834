"""The shipped template is the official example's structure, path by path."""

from __future__ import annotations

from hub.formats.xgewerbeanzeige import (
    CODE_RULES,
    NAMESPACE,
    REQUIRED,
    ROOT,
    code_problem,
    template,
    template_paths,
)
from hub.formats.xgewerbeanzeige.template import Node

from .oracle import EXAMPLE_21, example


def _nodes(node: Node) -> list[Node]:
    return [n for c in node.children for n in (c, *_nodes(c))]


def test_template_paths_are_the_examples_paths_in_the_examples_order() -> None:
    assert example().paths == template_paths()


def test_root_and_namespace_are_the_examples() -> None:
    official = example()

    assert (official.root, official.namespace) == (ROOT, NAMESPACE)


def test_every_code_attribute_is_the_examples() -> None:
    official = example()

    for node in _nodes(template()):
        assert official.attrs[node.path] == dict(node.attrs), node.path


def test_code_elements_are_exactly_those_with_a_code_child() -> None:
    official = example()
    with_code = {p.rsplit("/", 1)[0] for p in official.paths if p.endswith("/code")}

    assert with_code == {n.path for n in _nodes(template()) if n.code}


def test_required_parts_are_in_both_official_examples() -> None:
    in_22 = set(example().paths)
    # the 2.1 example is an Abmeldung: compare below the record
    in_21 = {p.replace("/abmeldung", "/anmeldung") for p in example(EXAMPLE_21).paths}

    assert [] == [p for p in REQUIRED if p not in in_22 or p not in in_21]


def test_every_code_element_has_a_rule_and_the_examples_codes_pass_it() -> None:
    names = {n.name for n in _nodes(template()) if n.code}
    assert names <= set(CODE_RULES)
    for official in (example(), example(EXAMPLE_21)):
        for element, values in official.codes.items():
            if element == "nachrichtentyp":
                continue  # 2.1's example is another message (0100)
            for value in values:
                assert code_problem(element, value) is None, (element, value)


def test_code_rules_refuse_values_of_the_wrong_form() -> None:
    assert code_problem("istKorrektur", "2") is not None
    assert code_problem("gemeindeSchluessel", "6431002") is not None
    assert code_problem("grundAnmeldungSchluessel", "1") is not None
