"""A small CLI for validating and normalising email addresses."""

from validator_normaliser_cli.validator import validate_email
from validator_normaliser_cli.normaliser import normalise_email

import re










































def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = []
    if len(argv) == 0:
        print("Error: No email address provided.")
        return 1
    email = argv[0]
    if not validate_email(email):
        print(f"Error: Invalid email address: {email}")
        return 1
    normalised_email = normalise_email(email)
    print(f"Normalised email address: {normalised_email}")
    return 0
