"""Splits text into lowercase words."""

# tokenizer.py

import re

def tokenize(text: str) -> list[str]:
    """
    Splits text into lowercase words.

    Args:
    text (str): The text to be tokenized.

    Returns:
    list[str]: A list of lowercase words extracted from the text.
    """
    return re.findall(r'\b\w+\b', text.lower())
