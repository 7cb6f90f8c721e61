"""A validator for email addresses."""

import re

def validate_email(s: str) -> bool:
    # Regular expression for validating an Email
    regex = r'^[a-z0-9]+[\._]?[a-z0-9]+[@]\w+[.]\w{2,3}$'
    # Compile the regex
    pattern = re.compile(regex)
    # If the string is empty
    if len(s) == 0:
        return False
    # Matching the regex with the string
    if re.search(pattern, s):
        return True
    else:
        return False
