"""The Client filter: a list for a few clients, a search box for thousands, one ``value``."""

from __future__ import annotations

import ipywidgets as w
import pytest

from deskmetrics.ui.client_choice import LIMIT_ENV, SUGGESTIONS, ClientChoice, list_limit

FEW = [("Acme Dental", "c1"), ("Birch Legal", "c2"), ("Cobalt Freight", "c3")]
MANY = [(f"Client {i:04d}", f"id{i}") for i in range(400)] + [("Acme Dental", "c1")]


def changes(choice: ClientChoice) -> list[str]:
    seen: list[str] = []
    choice.observe(lambda c: seen.append(c["new"]), names="value")
    return seen


def test_a_few_clients_are_a_list_whose_value_is_the_client_id():
    choice = ClientChoice(FEW, "c2")
    assert isinstance(choice.box, w.Dropdown) and not choice.is_search
    assert choice.box.options[0] == ("All clients", "") and choice.value == "c2"
    seen = changes(choice)
    choice.box.value = "c3"  # the reader picks Cobalt Freight
    assert choice.value == "c3" and seen == ["c3"]
    choice.value = ""  # a page moves it back to every client
    assert choice.box.value == "" and seen == ["c3", ""]


def test_past_the_limit_the_filter_searches_and_applies_on_an_exact_name():
    choice = ClientChoice(MANY, limit=300)
    assert isinstance(choice.box, w.Combobox) and choice.is_search
    assert len(choice.box.options) == SUGGESTIONS  # never 401 options in the page
    seen = changes(choice)
    choice.box.value = "acme"  # typing: suggestions narrow, the filter stays
    assert choice.box.options == ("Acme Dental",) and seen == []
    choice.box.value = "client 012"
    assert choice.box.options == tuple(f"Client {i:04d}" for i in range(120, 130))
    choice.box.value = "acme dental"  # one client's name, any case: applied
    assert seen == ["c1"]
    choice.box.value = ""  # an empty box is every client
    assert seen == ["c1", ""] and choice.value == ""


def test_a_page_setting_the_value_shows_the_clients_name_in_the_search_box():
    choice = ClientChoice(MANY, limit=300)
    seen = changes(choice)
    choice.value = "id7"
    assert choice.box.value == "Client 0007" and seen == ["id7"]  # no echo back
    choice.value = ""
    assert choice.box.value == ""


def test_repeated_names_get_their_ids_so_each_label_is_one_client():
    choice = ClientChoice([("Acme", "a1"), ("Acme", "a2"), ("Birch", "b1")])
    assert [label for label, _ in choice.box.options[1:]] == ["Acme (a1)", "Acme (a2)", "Birch"]
    assert choice.label("a2") == "Acme (a2)" and choice.offers == {"", "a1", "a2", "b1"}


def test_a_client_link_shows_its_one_client_fixed_however_many_there_are():
    choice = ClientChoice([("Acme Dental", "c1")], "c1", everyone=None, fixed=True, limit=0)
    assert isinstance(choice.box, w.Dropdown) and choice.box.disabled
    assert choice.box.options == (("Acme Dental", "c1"),) and choice.value == "c1"


def test_without_every_client_a_list_starts_on_its_first_client_and_a_search_on_none():
    assert ClientChoice(FEW, everyone=None).value == "c1"
    assert ClientChoice(MANY, everyone=None, limit=300).value == ""


def test_the_limit_comes_from_the_environment_with_a_clear_error(monkeypatch):
    monkeypatch.setenv(LIMIT_ENV, "2")
    assert list_limit() == 2 and ClientChoice(FEW).is_search
    monkeypatch.setenv(LIMIT_ENV, "lots")
    with pytest.raises(ValueError, match=LIMIT_ENV):
        list_limit()
