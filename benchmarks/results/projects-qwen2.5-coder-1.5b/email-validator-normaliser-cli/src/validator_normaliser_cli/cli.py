"""A small CLI for validating and normalising email addresses."""

from validator_normaliser_cli.validator import validate_email
from validator_normaliser_cli.normaliser import normalise_email

import re

def validate_email(s: str) -> bool:
    if not s:
        return False

    # Regular expression pattern for validating an email
    pattern = r'^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$'

    if re.match(pattern, s):
        return True
    else:
        return False


import re

def normalise_email(s: str) -> str:
    if not s:
        return False

    # Regular expression pattern for validating an email
    pattern = r'^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$'

    if re.match(pattern, s):
        return s
    else:
        return False

def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = []

    if len(argv) == 0:
        print("Usage: python cli.py <email>")
        return 1

    email = argv[0]
    if not validate_email(email):
        print(f"Invalid email: {email}")
        return 1

    normalised_email = normalise_email(email)
    print(f"Normalised email: {normalised_email}")
    return 0
