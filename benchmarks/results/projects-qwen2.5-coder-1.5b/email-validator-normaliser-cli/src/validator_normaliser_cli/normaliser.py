"""A normaliser for email addresses."""

import re

def normalise_email(s: str) -> str:
    if not s:
        return ""

    pattern = r'^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$'

    if re.match(pattern, s):
        return s
    else:
        return ""
