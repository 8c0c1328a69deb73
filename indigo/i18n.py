from django.utils.translation import get_language

# English pages show the Russian spelling of a proper name when no English one was entered.
_FALLBACKS = {"kk": ("kk", "ru"), "ru": ("ru", "kk"), "en": ("en", "ru", "kk")}


def localized(obj, field: str, language: str | None = None) -> str:
    language = (language or get_language() or "kk")[:2]
    for code in _FALLBACKS.get(language, ("kk", "ru")):
        value = getattr(obj, f"{field}_{code}", "")
        if value:
            return value
    return ""
