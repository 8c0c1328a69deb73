"""R-W-1 in the department console and item 7 on "How it works": the mode changed with a reason, the
change in the public log, both modes explained in kk, ru and en."""

from django.test import Client

from tests.department.test_pages import settings_form
from vacancies.models import City, CitySettingsChange


def test_the_department_switches_priority_access_to_the_window_with_a_reason_R_W_1(city, officer):
    client = Client()
    client.force_login(officer)
    form = settings_form(city, priority_mode="window", window_close="08:30", window_max_groups=3)
    form["reason"] = "Seat catchers at 18:00"
    response = client.post(f"/en/department/{city.slug}/settings/", form)
    assert response.status_code == 302
    city = City.objects.get(pk=city.pk)
    assert (city.priority_mode, city.general_mode, city.window_max_groups) == ("window", "first_come", 3)
    change = CitySettingsChange.objects.get()
    assert change.after == {"priority_mode": "window", "window_close": "08:30", "window_max_groups": 3}
    page = client.get(f"/en/department/{city.slug}/settings/").content.decode()
    assert "claim window, the queue decides" in page
    # The public log, in words, with the reason.
    public = Client().get("/en/how-it-works/").content.decode()
    assert "Seat catchers at 18:00" in public
    assert "Priority access: how seats are given: first come, first served → claim window, the queue decides" in public


def test_it_refuses_a_window_closing_outside_the_morning_R_W_1(city, officer):
    client = Client()
    client.force_login(officer)
    response = client.post(f"/en/department/{city.slug}/settings/", settings_form(city, window_close="15:00"))
    assert response.status_code == 400
    assert not CitySettingsChange.objects.exists()


def test_how_it_works_explains_both_modes_in_three_languages(city):
    expected = {
        "en": ("First come", "Claim window: the queue decides, not the fastest click", "keeps its place"),
        "ru": ("Кто первый", "Окно подачи: решает очередь, а не самый быстрый клик", "сохраняет место в очереди"),
        "kk": ("Кім бірінші", "Өтінім терезесі: ең жылдам басу емес, кезек шешеді", "кезектегі орнын сақтайды"),
    }
    for language, phrases in expected.items():
        page = Client().get(f"/{language}/how-it-works/").content.decode()
        for phrase in phrases:
            assert phrase in page, (language, phrase)
