"""Does a served model's greedy answer depend on the request before it?

Sends one prompt cold, then after another prompt, then right after itself, all greedy, to an
OpenAI-compatible server, and says whether the three answers are the same. llama.cpp reuses
the prompt prefix it shares with the previous request unless told not to (``dspy-coder serve``
tells it not to; ``--reuse-prefix`` lets it), and that changes the numbers.

    python benchmarks/served_determinism.py --api-base http://127.0.0.1:8000/v1
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request

FIRST = ("Write a Python function is_prime(n) that returns True when n is prime, with a "
         "docstring and comments.")
OTHER = "Write a Python function fizzbuzz(n) returning the list of FizzBuzz strings for 1..n."


def ask(api_base: str, model: str, text: str, max_tokens: int) -> str:
    body = json.dumps({"model": model, "temperature": 0, "max_tokens": max_tokens,
                       "messages": [{"role": "system", "content": "You write Python functions."},
                                    {"role": "user", "content": text}]}).encode()
    request = urllib.request.Request(f"{api_base}/chat/completions", body,
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=900) as reply:
        return json.load(reply)["choices"][0]["message"]["content"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--max-tokens", type=int, default=150)
    args = parser.parse_args()
    answers = [ask(args.api_base, args.model, text, args.max_tokens)
               for text in (FIRST, OTHER, FIRST, FIRST)]
    runs = {"cold": answers[0], "after another prompt": answers[2], "after itself": answers[3]}
    for name, answer in runs.items():
        same = answer == answers[0]
        print(f"{name:22s}: {'same as cold' if same else 'DIFFERENT from cold'} "
              f"({len(answer)} chars)")
    return 0 if len(set(runs.values())) == 1 else 1


if __name__ == "__main__":
    sys.exit(main())
