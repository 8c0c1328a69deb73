import argparse

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.services.tokens import api_token_issue
from indigo.errors import ServiceError


class Command(BaseCommand):
    help = "Issue an API token for an integration; the key is printed once and never stored."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--user", required=True, help="login of the account the integration acts as")
        parser.add_argument("--name", required=True, help="which system uses the token")
        parser.add_argument("--days", type=int, default=365, help="validity in days; 0 for no expiry")

    def handle(self, *args, user: str, name: str, days: int, **options) -> None:
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"No account with the login {user!r}.")
        try:
            token, key = api_token_issue(user=account, name=name, days=days or None)
        except ServiceError as error:
            raise CommandError(error.detail) from None
        self.stdout.write(f"Token {token.prefix}… for {account.username} ({name}). Keep this key, it is shown once:")
        self.stdout.write(key)
