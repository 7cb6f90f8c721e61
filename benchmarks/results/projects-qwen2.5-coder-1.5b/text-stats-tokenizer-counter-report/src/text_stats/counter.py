"""Counts how often each word occurs."""

from text_stats.tokenizer import tokenize

# counter.py

import re

def count_words(text: str) -> dict[str, int]:
    """
    Counts how often each word occurs.

    Args:
    text (str): The text to be tokenized.

    Returns:
    dict[str, int]: A dictionary of words and their counts.
    """
    words = tokenize(text)
    word_counts = {}
    for word in words:
        if word in word_counts:
            word_counts[word] += 1
        else:
            word_counts[word] = 1
    return word_counts

# tokenizer.py

import re
