"""The ``dspy-coder`` command line: ``solve``, ``bench``, ``optimize``, ``models``, ``serve``.

This is the only module that reads environment variables or calls ``dspy.configure``. Each
subcommand lives in ``dspy_coder/commands/<name>.py`` and exposes ``add_parser(subparsers)``
and ``run(args, settings) -> int``.

Example:
    $ dspy-coder solve --humaneval HumanEval/0 --lm local:qwen2.5-coder-0.5b --out out/
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from dspy_coder import _env  # noqa: F401
from dspy_coder.commands.interrupts import exit_code_for
from dspy_coder.errors import DspyCoderError, RunError, SetupError, UsageError

logger = logging.getLogger("dspy_coder")

COMMANDS = ("solve", "project", "resume", "stop", "watch", "bench", "optimize", "models",
            "serve")
DEFAULT_LM = "local:qwen2.5-coder-1.5b"


@dataclass(frozen=True)
class Settings:
    """Configuration resolved from flags and environment, handed to every command."""

    lm: str
    api_base: str | None
    api_key: str | None
    temperature: float
    max_tokens: int
    seed: int | None
    cache_dir: Path | None
    tracking_uri: str

    def make_lm(self, spec: str | None = None, **overrides: object):
        """Build the LM for ``spec`` (default: ``--lm``) with these settings."""
        from dspy_coder.lm import make_lm

        options: dict[str, object] = dict(
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            seed=self.seed,
            api_base=self.api_base,
            api_key=self.api_key,
            cache_dir=self.cache_dir,
        )
        options.update(overrides)
        return make_lm(spec or self.lm, **options)

    def configure(self, spec: str | None = None, **overrides: object):
        """``dspy.configure`` the LM (with usage tracking) and return it."""
        import dspy

        lm = self.make_lm(spec, **overrides)
        dspy.configure(lm=lm, track_usage=True)
        return lm


class _GivenOption(argparse.Action):
    """Store the value and note that the flag was on the command line (``<dest>_given``)."""

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        setattr(namespace, self.dest, values)
        setattr(namespace, f"{self.dest}_given", True)


def _add_common(parser: argparse.ArgumentParser) -> None:
    env = os.environ
    group = parser.add_argument_group("language model")
    group.add_argument(
        "--lm",
        default=env.get("DSPY_CODER_LM", DEFAULT_LM),
        help="local:qwen2.5-coder-1.5b (default), local:qwen2.5-coder-0.5b, a .gguf path, or any "
        "LiteLLM model string (env DSPY_CODER_LM)",
    )
    group.add_argument(
        "--api-base",
        default=env.get("DSPY_CODER_API_BASE"),
        help="base URL of an OpenAI-compatible server (env DSPY_CODER_API_BASE)",
    )
    group.add_argument("--temperature", type=float, default=0.0)
    group.add_argument("--max-tokens", type=int, default=1024)
    group.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--tracking-uri",
        default=env.get("MLFLOW_TRACKING_URI", "sqlite:///mlflow.db"),
        action=_GivenOption,
        help="MLflow tracking URI (default sqlite:///mlflow.db in the current directory; "
        "solve logs to MLflow only when this flag is given)",
    )
    parser.set_defaults(tracking_uri_given=False)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dspy-coder",
        description="Iterative, test-driven code generation with DSPy.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"dspy_coder.commands.{name}")
        sub = module.add_parser(subparsers)
        _add_common(sub)
        sub.set_defaults(_run=module.run)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    cache = os.environ.get("DSPY_CODER_CACHE")
    return Settings(
        lm=args.lm,
        api_base=args.api_base,
        api_key=os.environ.get("DSPY_CODER_API_KEY"),
        temperature=args.temperature,
        max_tokens=args.max_tokens,
        seed=args.seed,
        cache_dir=Path(cache) if cache else None,
        tracking_uri=args.tracking_uri,
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.argv = argv  # kept in a run directory, so `resume` can start the run again
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("LiteLLM", "litellm", "httpx", "mlflow", "alembic", "urllib3", "datasets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        return args._run(args, settings_from_args(args))
    except UsageError as exc:
        logger.error("%s", exc)
        return 2
    except SetupError as exc:
        logger.error("Set-up problem: %s", exc)
        return 3
    except RunError as exc:
        logger.error("Run failed: %s", exc)
        return 4
    except DspyCoderError as exc:  # pragma: no cover - defensive
        logger.error("%s", exc)
        return 1
    except KeyboardInterrupt as exc:
        logger.error("Interrupted%s.", f" ({exc})" if str(exc) else "")
        return exit_code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
