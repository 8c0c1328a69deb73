"""R-W-3 over the API: GET the open windows, PUT a list, DELETE it; errors as {"code", "detail"}."""

import pytest
import time_machine
from django.test import Client

from placement.window.models import Bid
from tests.window.conftest import AFTER_CLOSE, IN_WINDOW, family


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_lists_places_and_withdraws_a_bid_R_W_3(city, publish, groups):
    publish(1, 2)
    user, application = family(city, 1)
    client = client_for(user)
    url = f"/api/v1/applications/{application.pk}/bid/"
    with time_machine.travel(IN_WINDOW, tick=False):
        [window] = client.get(url).json()
        assert window["stage"] == "priority" and window["max_groups"] == 5 and window["bid"] is None
        assert {g["id"]: g["seats"] for g in window["groups"]} == {groups[0].pk: 1, groups[1].pk: 2}
        answer = client.put(url, {"groups": [groups[1].pk, groups[0].pk]}, content_type="application/json")
        assert answer.status_code == 200, answer.content
        saved = answer.json()
        assert saved["groups"] == [groups[1].pk, groups[0].pk] and saved["applications"] == [application.pk]
        assert saved["window"] == window["window"] and saved["stage"] == "priority"
        assert client.get(url).json()[0]["bid"] == [groups[1].pk, groups[0].pk]
        assert client.delete(url).status_code == 204
    assert not Bid.objects.exists()


def test_it_answers_a_late_bid_with_a_code_R_W_3(city, publish, groups):
    publish(1)
    user, application = family(city, 1)
    with time_machine.travel(AFTER_CLOSE, tick=False):
        answer = client_for(user).put(
            f"/api/v1/applications/{application.pk}/bid/",
            {"groups": [groups[0].pk]},
            content_type="application/json",
            headers={"accept-language": "ru"},
        )
    assert answer.status_code == 409
    assert answer.json()["code"] == "window_closed"


def test_another_familys_application_is_not_found(city, publish, groups, other_parent):
    publish(1)
    _user, application = family(city, 1)
    with time_machine.travel(IN_WINDOW, tick=False):
        answer = client_for(other_parent).get(f"/api/v1/applications/{application.pk}/bid/")
    assert answer.status_code == 404


def test_the_bid_api_is_in_the_openapi_schema(db):
    schema = Client().get("/api/schema/")
    assert b"/api/v1/applications/{application_id}/bid/" in schema.content


def test_the_written_out_answer_is_what_the_described_schema_gives_R_W_3(city, publish, groups):
    """The PUT's answer is written out for speed (api.bid_answer); BidOutput is what OpenAPI describes."""
    from placement.window.api import BidOutput, bid_answer
    from placement.window.bids import bid_place

    publish(1, 2)
    user, application = family(city, 1)
    with time_machine.travel(IN_WINDOW, tick=False):
        bids = bid_place(applications=[application], groups=[groups[1].pk, groups[0].pk], by=user)
    described = {
        "window": bids[0].window,
        "applications": [bid.application_id for bid in bids],
        "groups": bids[0].groups,
        "updated_at": bids[0].updated_at,
    }
    assert bid_answer(bids) == BidOutput(described).data


PLAIN_BIDS = [
    {"groups": [3]},
    {"groups": [3, 1, 2], "window": "", "extra": "ignored"},
    {"groups": [3], "window": "w-2024-06-03-priority", "twin_application": 9},
    {"groups": list(range(1, 21))},
]
OTHER_BIDS = [
    {"groups": ["3"]},
    {"groups": [3.0]},
    {"groups": [False]},
    {"groups": []},
    {"groups": list(range(1, 22))},
    {"groups": [3], "window": " padded "},
    {"groups": [3], "window": 7},
    {"groups": [3], "window": None},
    {"groups": [3], "window": "x" * 201},
    {"groups": [3], "twin_application": 0},
    {"groups": [3], "twin_application": "9"},
    {"window": "w"},
    [3],
]


@pytest.mark.parametrize("data", PLAIN_BIDS + OTHER_BIDS)
def test_the_plain_bid_check_takes_only_what_bid_input_takes_unchanged_R_W_3(data):
    from placement.window.api import BidApi, plain_bid

    plain = plain_bid(data)
    assert (plain is not None) == any(data is sent for sent in PLAIN_BIDS)  # identity: [3.0] == [3]
    if plain is not None:
        payload = BidApi.BidInput(data=data)
        assert payload.is_valid()
        assert plain == dict(payload.validated_data)
