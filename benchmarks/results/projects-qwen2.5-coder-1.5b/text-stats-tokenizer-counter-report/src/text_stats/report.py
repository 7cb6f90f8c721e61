"""Formats the n most frequent words as lines word: count"""

# report.py




def format_report(words: list[tuple[str, int]]) -> str:
    """
    Formats the n most frequent words as lines word: count.

    Args:
    words (list[tuple[str, int]]): A list of tuples containing words and their counts.

    Returns:
    str: A string with the n most frequent words as lines word: count.
    """
    if not words:
        return ""
    words.sort(key=lambda x: x[1], reverse=True)
    top_n = words[:min(10, len(words))]
    formatted_report = "\n".join([f"{word}: {count}" for word, count in top_n])
    return formatted_report
