"""Schemathesis hooks (SCHEMATHESIS_HOOKS=tests.accounts.fuzz_hooks): besides what the schema allows,
each query, path parameter and JSON body field may carry one of issue 14's hostile string classes."""

import schemathesis
from hypothesis import strategies as st

# Digits of other scripts, digit-like signs, NUL, a date at the end of time, numbers beyond any id.
HOSTILE = ["²", "٣٤", "１２", "\x00", "a\x00b", "9999-12-31", "99999999999999999999999", "⓵"]


def _spoil(value):
    """The drawn value as it is, or with one of its fields replaced by a hostile string."""
    if not isinstance(value, dict) or not value:
        return st.just(value)
    keys = sorted(value)
    spoiled = st.tuples(st.sampled_from(keys), st.sampled_from(HOSTILE)).map(lambda pair: {**value, pair[0]: pair[1]})
    return st.one_of(st.just(value), spoiled)


@schemathesis.hook
def flatmap_query(ctx, query):
    return _spoil(query)


@schemathesis.hook
def flatmap_path_parameters(ctx, path_parameters):
    return _spoil(path_parameters)


@schemathesis.hook
def flatmap_body(ctx, body):
    return _spoil(body)
