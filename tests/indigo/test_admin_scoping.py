"""Issue 12 item 4: an officer never meets a dead end in the admin: the link shows only to those it
serves, and an officer reads their own city's rows there (and no other city's)."""

import pytest

from tests.factories import ApplicationFactory, ChildFactory, KindergartenFactory


@pytest.mark.django_db
def test_an_officer_reads_their_citys_rows_in_the_admin(client, officer, outsider, city):
    mine = ApplicationFactory(city=city, child=ChildFactory())
    theirs = ApplicationFactory(city=outsider.city, child=ChildFactory())
    client.force_login(officer)
    index = client.get("/ru/admin/")
    assert index.status_code == 200
    assert b'href="/ru/admin/placement/application/"' in index.content
    listing = client.get("/ru/admin/placement/application/")
    assert listing.status_code == 200
    assert mine.reference.encode() in listing.content and theirs.reference.encode() not in listing.content
    assert client.get(f"/ru/admin/placement/application/{theirs.pk}/change/").status_code == 302  # not found
    # Reading only: no "add" for an officer.
    assert client.get("/ru/admin/placement/application/add/").status_code == 403


@pytest.mark.django_db
def test_the_admin_link_shows_only_to_those_it_serves(client, officer, staff_a, parent, kindergarten_a):
    link = 'href="/kk/admin/"'
    client.force_login(officer)
    assert link in client.get("/kk/").content.decode()
    staff_a.is_staff = True  # a kindergarten account flagged staff by mistake still gets no dead end
    staff_a.save()
    client.force_login(staff_a)
    page = client.get("/kk/").content.decode()
    assert link not in page
    client.force_login(parent)
    assert link not in client.get("/kk/").content.decode()


@pytest.mark.django_db
def test_an_officer_is_not_sent_to_the_seat_desk(client, officer, city):
    KindergartenFactory(city=city)
    client.force_login(officer)
    assert 'href="/kk/staff/"' not in client.get("/kk/").content.decode()
