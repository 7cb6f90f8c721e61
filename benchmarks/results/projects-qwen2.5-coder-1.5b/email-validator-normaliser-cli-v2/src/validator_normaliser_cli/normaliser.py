"""A normaliser for email addresses."""

import re
























def normalise_email(s: str) -> str:
    """
    Normalises an email address by removing any leading or trailing whitespace and converting it to lowercase.

    Args:
    s (str): The email address to normalise.

    Returns:
    str: The normalised email address.
    """
    return s.strip().lower()
