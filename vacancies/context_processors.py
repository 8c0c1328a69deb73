"""Template context every page gets from vacancies."""

from django.utils.functional import SimpleLazyObject

from vacancies.selectors import city_default


def default_city(request) -> dict:
    """A page that names no city (sign-in, sign-up, an account with no city) shows the portal's default
    one in its header. Looked up only if the page reads it; a page's own `city` wins."""
    return {"city": SimpleLazyObject(city_default)}
