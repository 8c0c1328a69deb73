"""Writes on applications, claims and referrals, by sub-domain."""

from placement.services.referrals import (
    referral_cancel,
    referral_public_facts,
    referral_refuse,
    referral_terminate,
    referrals_expire_due,
)

__all__ = [
    "referral_cancel",
    "referral_public_facts",
    "referral_refuse",
    "referral_terminate",
    "referrals_expire_due",
]
