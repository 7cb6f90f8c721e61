import re

def validate_email(s):
    """
    Validates an email address.
    
    Args:
    s (str): The email address to validate.
    
    Returns:
    bool: True if the email is valid, False otherwise.
    """
    pattern = r'^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+$'
    return re.match(pattern, s) is not None

def normalize_email(s):
    """
    Normalizes an email address by removing any leading or trailing whitespace and converting it to lowercase.
    
    Args:
    s (str): The email address to normalize.
    
    Returns:
    str: The normalized email address.
    """
    return s.strip().lower()

# Test cases
print(validate_email("example@example.com"))  # True
print(validate_email(" example@example.com "))  # False
print(validate_email("example@.com"))  # False
print(validate_email("example@com "))  # False
print(validate_email("example@com"))  # True
print(normalize_email(" Example@com "))  # "example@com"