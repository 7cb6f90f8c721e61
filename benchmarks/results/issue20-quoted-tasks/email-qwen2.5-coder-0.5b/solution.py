import re

def validate_email(email):
    # Regular expression to match a valid email
    pattern = r'^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$'
    if re.match(pattern, email):
        return True
    else:
        return False

def normalize_email(email):
    # Normalize the email by removing special characters and converting to lowercase
    normalized_email = re.sub(r'[^a-zA-Z0-9._%+-]+', '', email).lower()
    return normalized_email