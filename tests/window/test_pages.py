"""R-W-3, R-W-5 in the cabinet: the list made with plain forms, and the reasons after the close."""

import time_machine
from django.test import Client

from placement.models import Referral
from placement.window.allocation import windows_allocate_due
from placement.window.models import Bid
from tests.window.conftest import AFTER_CLOSE, IN_WINDOW, family
from tests.window.test_allocation import twins


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_makes_reorders_and_removes_a_list_without_javascript_R_W_3(city, publish, groups):
    publish(1, 1, 1)
    user, application = family(city, 1)
    client = signed_in(user)
    url = f"/en/cabinet/applications/{application.pk}/bid/"
    with time_machine.travel(IN_WINDOW, tick=False):
        page = client.get(url).content.decode()
        assert "Allocation at 09:00" in page and "You will get an SMS" in page
        for group in groups:
            assert client.post(url, {"action": "add", "group": group.pk}).status_code == 302
        assert Bid.objects.get().groups == [g.pk for g in groups]
        client.post(url, {"action": "up", "group": groups[2].pk})
        client.post(url, {"action": "down", "group": groups[0].pk})
        assert Bid.objects.get().groups == [groups[2].pk, groups[0].pk, groups[1].pk]
        client.post(url, {"action": "remove", "group": groups[0].pk})
        assert Bid.objects.get().groups == [groups[2].pk, groups[1].pk]
        cabinet = client.get("/en/cabinet/").content.decode()
        assert "Your list has 2 groups." in cabinet and "Change my list" in cabinet
        client.post(url, {"action": "withdraw"})
    assert not Bid.objects.exists()


def test_the_cabinet_no_longer_offers_window_seats_for_a_race_R_W_2(city, publish, groups):
    publish(1)
    user, _application = family(city, 1)
    with time_machine.travel(IN_WINDOW, tick=False):
        page = signed_in(user).get("/en/cabinet/").content.decode()
    assert "Claim this seat" not in page and "Make my list" in page


def test_a_parent_sees_the_rank_that_took_each_group_they_did_not_get_R_W_5(city, publish, groups):
    publish(1, 1)
    user1, first = family(city, 1)
    user2, second = family(city, 2)
    with time_machine.travel(IN_WINDOW, tick=False):
        signed_in(user1).post(f"/en/cabinet/applications/{first.pk}/bid/", {"action": "add", "group": groups[0].pk})
        for group in groups[:2]:
            signed_in(user2).post(f"/en/cabinet/applications/{second.pk}/bid/", {"action": "add", "group": group.pk})
    with time_machine.travel(AFTER_CLOSE, tick=False):
        windows_allocate_due()
        page = signed_in(user2).get(f"/en/cabinet/applications/{second.pk}/bid/").content.decode()
        cabinet = signed_in(user1).get("/en/cabinet/").content.decode()
    assert "The queue gave your child a seat" in page
    assert "its last seat went to the child at place 1" in page
    assert "Your child&#x27;s place at the close: <strong>2</strong>" in page or "close: <strong>2</strong>" in page
    assert "The claim window gave your child a seat" in cabinet


def test_twins_share_one_list_on_the_page_and_get_two_seats_of_one_group_R_W_3_R_W_4(city, publish, groups):
    publish(1, 2)
    user, elder = family(city, 1)
    younger = twins(city, user, 1)
    client = signed_in(user)
    url = f"/en/cabinet/applications/{elder.pk}/bid/"
    with time_machine.travel(IN_WINDOW, tick=False):
        client.post(url, {"action": "add", "group": groups[1].pk})
        assert "List together with" in client.get(url).content.decode()
        client.post(url, {"action": "together"})
        rows = {bid.application_id: bid for bid in Bid.objects.all()}
        assert set(rows) == {elder.pk, younger.pk} and rows[elder.pk].batch == rows[younger.pk].batch
        # The one-seat group is refused for twins, and the pair stays one list through later changes.
        client.post(url, {"action": "add", "group": groups[0].pk})
        assert Bid.objects.get(application=younger).groups == [groups[1].pk]
        assert "for both twins" in client.get(url).content.decode()
    with time_machine.travel(AFTER_CLOSE, tick=False):
        windows_allocate_due()
    got = {r.application_id: r.seat.group_id for r in Referral.objects.select_related("seat")}
    assert got == {elder.pk: groups[1].pk, younger.pk: groups[1].pk}


def test_a_twin_can_be_listed_alone_again_R_W_3(city, publish, groups):
    publish(2, 2)
    user, elder = family(city, 1)
    younger = twins(city, user, 1)
    client = signed_in(user)
    url = f"/en/cabinet/applications/{elder.pk}/bid/"
    with time_machine.travel(IN_WINDOW, tick=False):
        client.post(url, {"action": "add", "group": groups[0].pk})
        client.post(url, {"action": "together"})
        client.post(url, {"action": "apart"})
        assert list(Bid.objects.values_list("application_id", flat=True)) == [elder.pk]
    assert younger.pk not in Bid.objects.values_list("application_id", flat=True)
